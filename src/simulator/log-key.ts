/**
 * The fixed P-256 test key of spec §8.5 that the simulator signs checkpoints with. TEST ONLY:
 * it is not in Anthropic's published table, so a verifier trusts it only when its
 * fingerprint is pinned (`source.access_transparency.trusted_keys`).
 */
export const TEST_LOG_KEY = {
  pkcs8:
    'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgo0l8rVuevzQ63hLcjQC7vcrF/X5/BGiUDGeYZ9P21qqhRANCAASYIp+mQQ4YWwEGl0ClSthdHAUFg0wqnXE+OML2m8HNTJMj46ez3w44MZjBI/3uFfTaRvwQ1dmq4DFhHIsZfz6r',
  spki: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmCKfpkEOGFsBBpdApUrYXRwFBYNMKp1xPjjC9pvBzUyTI+Ons98OODGYwSP97hX02kb8ENXZquAxYRyLGX8+qw==',
  fingerprint: 'ae17ac51ad3c1751688ed569cf14f2b3bb58c921edc7445f1eba999cbbbc3fc8',
} as const;
