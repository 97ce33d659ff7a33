/**
 * The modified Bessel function of the first kind, order 0, by its power series
 * I0(x) = sum_k ((x/2)^k / k!)^2. Every term is positive, so summing upward until a term no
 * longer changes the sum is accurate to a few ulps; for the Kaiser betas used here (|x| < 20)
 * that takes under 60 terms.
 */
export function besselI0(x: number): number {
  const quarterSquare = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= quarterSquare / (k * k);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return sum;
}
