// The demo EHR keeps its records across a restart (FHIR_STATE_FILE, keep.mjs): a change made
// before the restart is there after it, the same day; a file from another day, or one that
// cannot be read, gives the seed instead of a stale or broken clinic.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ehr } from './ehr.mjs';
import { ownFhirServer } from './servers.mjs';
import { forgedToken } from './tokens.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rounds-fhir-keep-'));
const file = join(dir, 'records.json');
after(() => rmSync(dir, { recursive: true, force: true }));

/** A server keeping its records in `file`, for the seed day `day`. */
const server = (day = '2026-03-02') => ownFhirServer({ FHIR_STATE_FILE: file, FHIR_SEED_DATE: day });
/** The front desk's token for `base` (the one who cancels appointments in the demo). */
const dana = (base) => forgedToken({ aud: base });

async function appointment(base) {
  const res = await ehr('GET', 'Appointment/sara-m-1', { base, token: await dana(base) });
  assert.equal(res.status, 200);
  return res.body;
}

describe('records kept across a restart', () => {
  test('a cancellation made before a restart is there after it', async () => {
    const first = await server();
    const booked = await appointment(first.base);
    assert.equal(booked.status, 'booked');
    const cancel = { ...booked, status: 'cancelled', cancelationReason: { text: 'Family emergency' } };
    const res = await ehr('PUT', 'Appointment/sara-m-1', { base: first.base, token: await dana(first.base), body: cancel });
    assert.equal(res.status, 200);
    // Stopped at once: what is written at shutdown counts as much as what was written before.
    await first.stop();
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).seedDate, '2026-03-02');

    const second = await server();
    try {
      const kept = await appointment(second.base);
      assert.equal(kept.status, 'cancelled');
      assert.equal(kept.cancelationReason.text, 'Family emergency');
    } finally {
      await second.stop();
    }
  });

  test('another day, or a file that cannot be read, starts from the seed', async () => {
    const nextDay = await server('2026-03-03');
    try {
      assert.equal((await appointment(nextDay.base)).status, 'booked');
    } finally {
      await nextDay.stop();
    }
    writeFileSync(file, '{ not json');
    const broken = await server();
    try {
      assert.equal((await appointment(broken.base)).status, 'booked');
    } finally {
      await broken.stop();
    }
  });
});
