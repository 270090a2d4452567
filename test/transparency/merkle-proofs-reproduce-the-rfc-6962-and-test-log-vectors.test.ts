import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/transparency/merkle';
import { CONSISTENCY, INCLUSION_AT_5, LEAF_HASHES, ROOTS } from '../support/transparency-vectors';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

test('§8.4: the RFC 6962 tree heads for the eight standard leaves', () => {
  const data = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ];
  const expected = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const leaves = data.map((hex) => leafHash(Buffer.from(hex, 'hex')));
  expected.forEach((root, i) =>
    assert.equal(subtreeRoot(leaves, 0, i + 1).toString('hex'), root, `n=${i + 1}`),
  );
});

test('§8.5: roots, inclusion and consistency proofs of the test log are generated and verified as listed', () => {
  const leaves = LEAF_HASHES.map(b64);
  ROOTS.forEach((root, i) => assert.equal(subtreeRoot(leaves, 0, i + 1).toString('base64'), root));
  INCLUSION_AT_5.forEach((hashes, i) => {
    assert.deepEqual(
      inclusionProof(leaves, i, 5).map((h) => h.toString('base64')),
      hashes,
    );
    assert.ok(verifyInclusion(leaves[i], i, 5, hashes.map(b64), b64(ROOTS[4])));
  });
  assert.deepEqual(
    inclusionProof(leaves, 2, 3).map((h) => h.toString('base64')),
    [ROOTS[1]],
  );
  for (const [from, to, hashes] of CONSISTENCY) {
    assert.deepEqual(
      consistencyProof(leaves, from, to).map((h) => h.toString('base64')),
      hashes,
    );
    assert.ok(
      verifyConsistency(from, b64(ROOTS[from - 1]), to, b64(ROOTS[to - 1]), hashes.map(b64)),
      `${from}→${to}`,
    );
  }
});

test('a tampered proof, a wrong leaf, a wrong index and a shrinking tree are refused', () => {
  const leaves = LEAF_HASHES.map(b64);
  const root5 = b64(ROOTS[4]);
  const path = INCLUSION_AT_5[2].map(b64);
  assert.equal(verifyInclusion(leaves[3], 2, 5, path, root5), false, 'another leaf');
  assert.equal(verifyInclusion(leaves[2], 3, 5, path, root5), false, 'another index');
  assert.equal(verifyInclusion(leaves[2], 5, 5, path, root5), false, 'index beyond the tree');
  const flipped = path.map((h, i) => (i === 1 ? Buffer.from(h.map((x, j) => (j === 0 ? x ^ 1 : x))) : h));
  assert.equal(verifyInclusion(leaves[2], 2, 5, flipped, root5), false, 'a flipped bit');
  const consistency = CONSISTENCY[2][2].map(b64);
  assert.equal(verifyConsistency(3, b64(ROOTS[2]), 5, b64(ROOTS[3]), consistency), false, 'another new root');
  assert.equal(verifyConsistency(5, root5, 3, b64(ROOTS[2]), []), false, 'shrank');
  assert.equal(verifyConsistency(5, root5, 5, Buffer.alloc(32), []), false, 'fork at one size');
});

test('generated proofs verify at every index and every from-size of trees up to 40 leaves', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i])));
  for (let size = 1; size <= leaves.length; size++) {
    const root = subtreeRoot(leaves, 0, size);
    for (let i = 0; i < size; i++)
      assert.ok(verifyInclusion(leaves[i], i, size, inclusionProof(leaves, i, size), root));
    for (let from = 1; from <= size; from++)
      assert.ok(
        verifyConsistency(
          from,
          subtreeRoot(leaves, 0, from),
          size,
          root,
          consistencyProof(leaves, from, size),
        ),
      );
  }
});
