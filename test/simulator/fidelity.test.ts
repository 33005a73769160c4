import type { SynchronizationJob } from '@microsoft/microsoft-graph-types';
import { DEMO } from '../../src/simulator';
import { control, withSim } from './helpers';

/** Issue 10 simulator corrections that no other suite exercises: the 28-day disable and the applied-then-5xx fault. */
const C = DEMO.tenants.contoso.id;
const cfg = DEMO.configurations.contosoToFabrikam;
const JOB = `/servicePrincipals/${cfg.servicePrincipalId}/synchronization/jobs/${encodeURIComponent(cfg.jobId)}`;

describe('simulator fidelity switches and faults', () => {
  it('a job still quarantined after 28 days is disabled and stops cycling; restart revives it', async () => {
    const { sim, clock } = await withSim();
    try {
      const cycle = () => control<SynchronizationJob>(sim, 'POST', `/_sim/tenants/${C}/jobs/${encodeURIComponent(cfg.jobId)}/cycle`);
      await control(sim, 'POST', `/_sim/tenants/${C}/jobs/${encodeURIComponent(cfg.jobId)}/quarantine`, { reason: 'EncounteredQuarantineException' });
      clock.advance(27 * 86400_000);
      expect((await cycle()).body.schedule?.state).toBe('Active');
      clock.advance(2 * 86400_000);
      const disabled = await cycle();
      expect(disabled.body.schedule?.state).toBe('Disabled');
      expect(disabled.body.status?.quarantine?.reason).toBe('EncounteredQuarantineException');
      const before = disabled.body.status?.quarantine?.seriesCount;
      expect((await cycle()).body.status?.quarantine?.seriesCount).toBe(before); // no more cycles
      await fetch(`${sim.url}/${C}/v1.0${JOB}/restart`, {
        method: 'POST',
        headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
        body: JSON.stringify({ criteria: { resetScope: 'QuarantineState' } }),
      });
      expect((await cycle()).body.schedule?.state).toBe('Active');
    } finally {
      await sim.close();
    }
  });

  it('applyThenStatus: the write is applied, its answer is a 5xx, and the next write is answered normally', async () => {
    const { sim } = await withSim();
    try {
      expect((await control(sim, 'POST', '/_sim/faults', { tenantId: C, applyThenStatus: 500, match: '/pause' })).status).toBe(200);
      const post = (p: string) => fetch(`${sim.url}/${C}/v1.0${JOB}/${p}`, { method: 'POST', headers: { authorization: 'Bearer x' } });
      expect((await post('pause')).status).toBe(500);
      const job = (await (await fetch(`${sim.url}/${C}/v1.0${JOB}`, { headers: { authorization: 'Bearer x' } })).json()) as { schedule: { state: string } };
      expect(job.schedule.state).toBe('Paused'); // applied despite the 500
      expect((await post('pause')).status).toBe(204);
      expect((await control(sim, 'POST', '/_sim/faults', { applyThenStatus: 404 })).status).toBe(400);
    } finally {
      await sim.close();
    }
  });
});
