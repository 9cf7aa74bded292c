-- Every call is signed, so every project needs a signing secret. Projects created without one
-- (the dev project before its secret was required) get a fresh one: "whsec_" and 64 hex digits,
-- which are base64 too (48 bytes, 256 random bits). Rotate it to see it.
UPDATE `projects` SET `signing_secret` = 'whsec_' || hex(randomblob(32)) WHERE `signing_secret` NOT LIKE 'whsec_%';
