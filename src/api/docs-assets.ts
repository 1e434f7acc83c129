/** The files /docs/assets serves, and no others. */
export const DOCS_ASSET_NAMES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'] as const;
export type DocsAssetName = (typeof DOCS_ASSET_NAMES)[number];
