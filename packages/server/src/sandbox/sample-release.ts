/**
 * Sandbox mode posts its sample release at the first start (an empty database), through cdflow's own
 * intake as the release system would, so the banner can show the release's real key and how to follow it.
 */
import { sampleReleaseRequest } from '../sandbox-mode.js';

export type SampleRelease =
  | { posted: true; key: string | null; summary: string; state: string }
  | { posted: false; summary: string; reason: string };

export async function postSampleRelease(url: string, intakeToken: string): Promise<SampleRelease> {
  const request = sampleReleaseRequest();
  try {
    const res = await fetch(`${url}/cicdflow/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${intakeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await res.json()) as { key?: string | null; state?: string; message?: string };
    if (res.status !== 201 && res.status !== 200) {
      return {
        posted: false,
        summary: request.summary,
        reason: `intake answered ${res.status}: ${body.message ?? ''}`,
      };
    }
    return { posted: true, key: body.key ?? null, summary: request.summary, state: body.state ?? '' };
  } catch (error) {
    return { posted: false, summary: request.summary, reason: (error as Error).message };
  }
}
