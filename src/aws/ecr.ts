/** ImageRegistry over ECR: does this tag or digest exist, and what digest does the tag name. */
import { DescribeImagesCommand, type ECRClient, type ImageIdentifier } from '@aws-sdk/client-ecr';
import { ExitCode, FerryError } from '../errors.ts';
import type { ImageRegistry } from '../pipeline/ports.ts';
import { isAwsError } from './errors.ts';

export function createImageRegistry(client: () => ECRClient): ImageRegistry {
  const describe = async (repositoryName: string, imageId: ImageIdentifier) => {
    try {
      const out = await client().send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId] }));
      return out.imageDetails?.[0];
    } catch (err) {
      if (isAwsError(err, 'ImageNotFoundException')) return undefined;
      if (isAwsError(err, 'RepositoryNotFoundException')) {
        throw new FerryError(
          `ECR repository ${repositoryName} does not exist in this account and region.`,
          ExitCode.Usage,
          [
            "Check the descriptor's repository name, the region, and that ferry runs in the environment's account.",
          ],
        );
      }
      throw err;
    }
  };
  return {
    async findImageByTag(repositoryName, tag) {
      const image = await describe(repositoryName, { imageTag: tag });
      if (!image?.imageDigest) return undefined;
      return image.imagePushedAt
        ? { digest: image.imageDigest, pushedAt: image.imagePushedAt }
        : { digest: image.imageDigest };
    },
    async hasDigest(repositoryName, digest) {
      const image = await describe(repositoryName, { imageDigest: digest });
      return image?.imageDigest === digest;
    },
    async tagsStartingWith(repositoryName, prefix) {
      const found: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await client().send(
          new DescribeImagesCommand({
            repositoryName,
            filter: { tagStatus: 'TAGGED' },
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        for (const image of out.imageDetails ?? [])
          for (const tag of image.imageTags ?? []) if (tag.startsWith(prefix)) found.push(tag);
        nextToken = out.nextToken;
      } while (nextToken);
      return found;
    },
  };
}
