/**
 * Money and volume rules. Litres travel with 3 decimals and are counted internally as integer
 * millilitres; amounts are integer pesos computed exactly as the station checks them:
 * monto = Math.round(litros × precio_por_litro).
 */

export function litrosDeMl(ml: number): number {
  return ml / 1000;
}

/** Litres (any precision) to whole millilitres, rounding to the nearest. */
export function mlDeLitros(litros: number): number {
  return Math.round(litros * 1000);
}

export function montoDe(litros: number, precioPorLitro: number): number {
  return Math.round(litros * precioPorLitro);
}

/** The most millilitres whose price (rounded as above) does not exceed an amount of pesos. */
export function mlParaMonto(monto: number, precioPorLitro: number): number {
  let ml = Math.floor(((monto + 0.5) * 1000) / precioPorLitro) + 1;
  while (ml > 0 && montoDe(litrosDeMl(ml), precioPorLitro) > monto) ml -= 1;
  return ml;
}
