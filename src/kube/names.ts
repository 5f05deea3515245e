/**
 * The name formats of Kubernetes' apimachinery validation, with the wording used in our errors.
 * Each check returns null when the value is fine, else what was expected.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export type NameRule = 'dns1123-label' | 'dns1123-subdomain' | 'dns1035-label';

/** Returns null when `name` follows `rule`, else the expectation for an error message. */
export function checkName(name: string, rule: NameRule): string | null {
  switch (rule) {
    case 'dns1123-label':
      return name.length <= 63 && DNS1123_LABEL.test(name)
        ? null
        : "a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)";
    case 'dns1123-subdomain':
      return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
        ? null
        : "a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters, each part starting and ending with a letter or digit)";
    case 'dns1035-label':
      return name.length <= 63 && DNS1035_LABEL.test(name)
        ? null
        : "a DNS-1035 label (at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit)";
  }
}

/**
 * IANA_SVC_NAME, the format of named ports (`targetPort: http`, container port names):
 * at most 15 characters of [-a-z0-9], at least one letter, no leading, trailing or double '-'.
 */
export function isIanaSvcName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 15 &&
    /^[-a-z0-9]+$/.test(name) &&
    /[a-z]/.test(name) &&
    !name.startsWith('-') &&
    !name.endsWith('-') &&
    !name.includes('--')
  );
}

export const IANA_SVC_NAME_EXPECTATION =
  "a port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', with at least one letter)";
