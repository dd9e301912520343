/**
 * The image copier adapter behind the pipeline's ImageCopier port: streams one
 * image, by digest, from the promotion source's ECR repository into the
 * target's, each side with its own credentials.
 */
import type { Descriptor } from '../config/schema.ts';
import { IMAGE_COPY_BOUND_MS } from '../pipeline/bounds.ts';
import type { ImageCopier } from '../pipeline/ports.ts';
import { copyImage, describeCopy } from './ecr-copy.ts';
import { createEcrAccess, type EcrAccessOptions } from './ecr-copy-access.ts';

export interface CopySide {
  descriptor: Descriptor;
  access: EcrAccessOptions;
}

export function createImageCopier(source: CopySide, target: CopySide): ImageCopier {
  const sourceEcr = createEcrAccess(source.access);
  const targetEcr = createEcrAccess(target.access);
  return {
    async copy(digest, tag, signal) {
      const result = await copyImage({
        source: {
          client: sourceEcr.client,
          repositoryName: source.descriptor.repository.name,
          registryId: source.descriptor.accountId,
        },
        target: {
          client: targetEcr.client,
          repositoryName: target.descriptor.repository.name,
          registryId: target.descriptor.accountId,
        },
        digest,
        tag,
        // Every request of the copy has its own timeout; this bounds the copy as a whole.
        signal: AbortSignal.any([signal, AbortSignal.timeout(IMAGE_COPY_BOUND_MS)]),
      });
      return { detail: describeCopy(result) };
    },
  };
}
