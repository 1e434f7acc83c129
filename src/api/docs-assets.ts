/** The files /docs/assets serves, and no others. */
export const DOCS_ASSET_NAMES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'] as const;
export type DocsAssetName = (typeof DOCS_ASSET_NAMES)[number];

/** The files /app/{asset} serves for the dashboard, and no others. */
export const DASHBOARD_ASSETS = ['app.js', 'app.css', 'icon.svg'] as const;
export type DashboardAsset = (typeof DASHBOARD_ASSETS)[number];
