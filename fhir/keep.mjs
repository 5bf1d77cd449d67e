// Keeps the demo EHR's records across a restart: with FHIR_STATE_FILE set, every change is
// written to that file (shortly after it, and at shutdown), and the next start on the same seed
// day loads it instead of the generated seed. A start on another day seeds afresh: the demo
// clinic's schedule is built around the day it runs (scripts/fhir.sh reset demo starts over).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Quiet time after a change before the records are written. */
const QUIET_MS = 200;

/** The records kept in `file` for `seedDate` as a batch Bundle of PUTs, or undefined. */
export function keptBundle(file, seedDate) {
  if (!file || !existsSync(file)) return undefined;
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    return kept.seedDate === seedDate ? kept.bundle : undefined;
  } catch (error) {
    console.error(`rounds-fhir: the kept records in ${file} could not be read (${error.message}); seeding afresh`);
    return undefined;
  }
}

/**
 * What keeps `repo`'s records in `file`: `changed()` after each write (written once writes
 * pause), `flush()` at shutdown. Without a file both do nothing.
 */
export function keeper(repo, file, seedDate) {
  let timer;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    const entry = [];
    // The in-memory repository's own map (type -> id -> resource): it has no "everything" read.
    for (const [type, byId] of repo.resources) {
      for (const [id, resource] of byId) {
        const { versionId, lastUpdated, ...meta } = resource.meta ?? {};
        entry.push({ resource: { ...resource, meta }, request: { method: 'PUT', url: `${type}/${id}` } });
      }
    }
    const partial = `${file}.partial`;
    writeFileSync(partial, JSON.stringify({ seedDate, bundle: { resourceType: 'Bundle', type: 'batch', entry } }));
    renameSync(partial, file); // whole or not at all, even if the machine stops mid-write
  };
  return {
    changed: () => {
      if (!file) return;
      clearTimeout(timer);
      timer = setTimeout(write, QUIET_MS);
    },
    flush: () => {
      if (file && timer) write();
    },
  };
}
