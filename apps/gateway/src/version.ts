/** The gateway's version, shown by /api/v1/admin/info, /metrics and the health checker. */
export const GATEWAY_VERSION = '0.1.0';
