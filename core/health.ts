/**
 * Health reporting shared by every component.
 * @module
 */

/** A component's health: `ok` false means it cannot do its job right now. */
export interface Health {
  /** False when the component cannot do its job right now; `detail` may say why. */
  ok: boolean;
  /** Short machine-friendly detail, never a secret. */
  detail?: string;
  /** Whether the service as a whole is unhealthy (HTTP 503) when this is not ok. */
  required?: boolean;
}
