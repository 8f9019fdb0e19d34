export { tenantsConfigSchema, limitsOf, type TenantsConfig, type TenantLimits } from './config.js';
export { Tenancy } from './tenancy.js';
export { writeTenantRuleFiles } from './tenant-rule-files.js';
export { tenantScrapeConfigs } from './tenant-scrape-configs.js';
export { checkTenantsReload, TenantsRestartRequiredError } from './restart-only-settings.js';
