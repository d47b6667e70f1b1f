// Masks on the wire: row-major run lengths starting with a run of background (usvmask.review.session).

export function encodeRuns(mask) {
  const runs = [];
  let value = 0;
  let length = 0;
  for (let i = 0; i < mask.length; i++) {
    const bit = mask[i] ? 1 : 0;
    if (bit === value) {
      length++;
    } else {
      runs.push(length);
      value = bit;
      length = 1;
    }
  }
  runs.push(length);
  return runs;
}

export function decodeRuns(runs, size) {
  const mask = new Uint8Array(size);
  let at = 0;
  runs.forEach((length, i) => {
    if (i % 2 === 1) mask.fill(1, at, at + length);
    at += length;
  });
  return mask;
}
