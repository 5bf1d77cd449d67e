// Chart notes (Communication) say who wrote them and about whom; the record must keep saying
// so. A person files in their own name only; a filed note keeps its sender and subject, and
// only its sender may change it. PATCH is refused: its result could not be checked the same way.
import { Refusal } from './access.mjs';

const refuse = (message) => new Refusal(403, 'insufficient_scope', message);

/** Throws a Refusal when `asked` (with `body`, over `stored` if any) would misattribute a note. */
export function checkAuthorship(caller, asked, body, stored) {
  if (asked.type !== 'Communication') return;
  if (asked.name === 'patch') throw refuse('a Communication is changed by PUT only, so that its sender stays checked');
  // Not a Communication at all: validation refuses it (400).
  if (body?.resourceType !== 'Communication') return;
  if (stored) {
    for (const element of ['sender', 'subject']) {
      if (body[element]?.reference !== stored[element]?.reference) {
        throw refuse(`a filed Communication keeps its ${element} (${stored[element]?.reference ?? 'none'})`);
      }
    }
    if (!caller.system && stored.sender?.reference !== caller.who.reference) {
      throw refuse(`only its sender, ${stored.sender?.reference ?? 'nobody'}, may change this Communication`);
    }
  } else if (!caller.system && body.sender?.reference !== caller.who.reference) {
    throw refuse(`a Communication's sender must be ${caller.who.reference}, who is signed in`);
  }
}
