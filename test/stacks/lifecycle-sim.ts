// A small model of how ECR applies a lifecycle policy, to prove what a policy keeps.
// Rules run by priority; an image matched by a rule is never considered by lower-priority rules.
export interface Image {
  digest: string;
  tags: string[];
  pushedAt: number;
}

interface Rule {
  rulePriority: number;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPatternList?: string[];
    tagPrefixList?: string[];
    countType: 'imageCountMoreThan' | 'sinceImagePushed';
    countNumber: number;
  };
  action: { type: string };
}

const DAY = 86_400_000;

function globMatch(pattern: string, tag: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(tag);
}

function selects(rule: Rule, image: Image): boolean {
  const s = rule.selection;
  if (s.tagStatus === 'untagged') return image.tags.length === 0;
  if (s.tagStatus === 'any') return true;
  if (image.tags.length === 0) return false;
  // Every listed pattern/prefix must match one of the image's tags (ECR's AND semantics).
  const patterns = s.tagPatternList ?? [];
  const prefixes = s.tagPrefixList ?? [];
  return (
    patterns.every((p) => image.tags.some((t) => globMatch(p, t))) &&
    prefixes.every((p) => image.tags.some((t) => t.startsWith(p)))
  );
}

/** The digests a policy expires at time `now`. */
export function expiredBy(policy: { rules: Rule[] }, images: Image[], now: number): Set<string> {
  const expired = new Set<string>();
  const claimed = new Set<string>();
  for (const rule of [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const matched = images.filter((i) => !claimed.has(i.digest) && selects(rule, i));
    for (const i of matched) claimed.add(i.digest);
    const { countType, countNumber } = rule.selection;
    const doomed =
      countType === 'sinceImagePushed'
        ? matched.filter((i) => now - i.pushedAt > countNumber * DAY)
        : [...matched].sort((a, b) => b.pushedAt - a.pushedAt).slice(countNumber);
    for (const i of doomed) expired.add(i.digest);
  }
  return expired;
}
