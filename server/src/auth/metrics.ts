/** Prometheus metrics of a service's auth: logins by outcome, refusals, the failed-login table. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AttemptLimiter } from './attempt-limiter.js';

export class AuthMetrics {
  private readonly logins: Counter<'resultado'>;
  private readonly refusals: Counter<'motivo'>;

  constructor(registry: Registry, prefix: string, limiter: AttemptLimiter) {
    this.logins = new Counter({
      name: `${prefix}_inicios_sesion_total`,
      help: 'Inicios de sesión por resultado (ok, credenciales_invalidas, demasiados_intentos)',
      labelNames: ['resultado'],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: `${prefix}_accesos_denegados_total`,
      help: 'Solicitudes rechazadas por la tabla de acceso (sin_credencial, credencial_invalida, rol_insuficiente)',
      labelNames: ['motivo'],
      registers: [registry],
    });
    new Gauge({
      name: `${prefix}_intentos_fallidos_claves`,
      help: `Usuarios y direcciones con intentos fallidos recordados (tope ${limiter.limits.maxKeys})`,
      registers: [registry],
      collect() {
        this.set(limiter.size);
      },
    });
    new Gauge({
      name: `${prefix}_intentos_fallidos_olvidados_total`,
      help: 'Claves olvidadas porque la tabla de intentos fallidos estaba llena',
      registers: [registry],
      collect() {
        this.set(limiter.evicted);
      },
    });
  }

  login(resultado: 'ok' | 'credenciales_invalidas' | 'demasiados_intentos'): void {
    this.logins.inc({ resultado });
  }

  denied(motivo: string): void {
    this.refusals.inc({ motivo });
  }
}
