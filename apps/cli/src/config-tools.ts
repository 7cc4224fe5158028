/**
 * What the config commands run, loaded when one runs. Straight from the modules rather than
 * the library's barrel, which brings the gateway's NestJS config module.
 */
export { stringify } from 'yaml';
export { formatIssue } from '../../../libs/config/src/config-issue';
export { loadConfigFile, loadEffectiveConfig } from '../../../libs/config/src/load-config';
export { maskSecrets } from '../../../libs/config/src/mask-secrets';
export { renderConfigReference } from '../../../libs/config/src/reference';
export {
  isConfigReferenceCurrent,
  writeConfigReference,
} from '../../../libs/config/src/write-reference';
