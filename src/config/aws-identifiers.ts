/** The shapes of the AWS identifiers ferry takes from its config and flags, in one place. */

/** A region name such as eu-west-1 or us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** An IAM role ARN in any partition (aws, aws-cn, aws-us-gov), paths allowed. */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
