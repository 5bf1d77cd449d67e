// Trunk post-build hook (Trunk.toml): when ROUNDS_DEV_CONFIG names a file, it becomes this
// build's config.json. scripts/dev.sh uses it to add what is made on this machine (the local
// push gateway's VAPID public key) to public/config.json. Without the variable: nothing changes.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

const file = process.env.ROUNDS_DEV_CONFIG;
const staging = process.env.TRUNK_STAGING_DIR;
if (file && staging) copyFileSync(file, join(staging, 'config.json'));
