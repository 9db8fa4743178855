/**
 * The login screen and session helpers shared by the station's dashboard and the company's staff
 * page, served at /comun/sesion.js. The session itself is an HttpOnly cookie set by
 * POST /api/sesion: this script never sees the token, it only asks who is logged in.
 */

export interface Sesion {
  usuario: string;
  rol: string;
  expira: string | null;
}

export interface OpcionesSesion {
  /** The page's name, shown above the form ("Estación Central · panel del operador"). */
  titulo: string;
  /** The service's roles, lowest first, to decide what the session may do. */
  roles: readonly string[];
}

const CSS = '/comun/sesion.css';

function ensureStyles(): void {
  if (document.querySelector(`link[href="${CSS}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = CSS;
  document.head.append(link);
}

/** Who is logged in, or null. */
export async function sesionActual(): Promise<Sesion | null> {
  const res = await fetch('/api/sesion', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`no se pudo consultar la sesión (HTTP ${res.status})`);
  const body = (await res.json()) as Sesion;
  return { usuario: body.usuario, rol: body.rol, expira: body.expira };
}

function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  const l = document.createElement('label');
  l.append(label, input);
  return l;
}

/** Shows the login screen until a login succeeds. */
export function pedirSesion(opciones: OpcionesSesion): Promise<Sesion> {
  ensureStyles();
  document.body.classList.add('sin-sesion');
  return new Promise((resolve) => {
    const fondo = document.createElement('div');
    fondo.className = 'sesion-fondo';
    const form = document.createElement('form');
    form.className = 'sesion-form';
    form.setAttribute('aria-labelledby', 'sesion-titulo');
    const h = document.createElement('h1');
    h.id = 'sesion-titulo';
    h.textContent = opciones.titulo;
    const sub = document.createElement('p');
    sub.className = 'sesion-sub';
    sub.textContent = 'Inicie sesión para continuar';
    const usuario = document.createElement('input');
    usuario.name = 'usuario';
    usuario.id = 'sesion-usuario';
    usuario.autocomplete = 'username';
    usuario.required = true;
    usuario.maxLength = 64;
    const clave = document.createElement('input');
    clave.name = 'clave';
    clave.id = 'sesion-clave';
    clave.type = 'password';
    clave.autocomplete = 'current-password';
    clave.required = true;
    clave.maxLength = 256;
    const error = document.createElement('p');
    error.className = 'sesion-error';
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const entrar = document.createElement('button');
    entrar.type = 'submit';
    entrar.id = 'sesion-entrar';
    entrar.textContent = 'Entrar';
    form.append(h, sub, field('Usuario', usuario), field('Clave', clave), error, entrar);
    fondo.append(form);
    document.body.append(fondo);
    usuario.focus();

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      entrar.disabled = true;
      error.hidden = true;
      void (async () => {
        try {
          const res = await fetch('/api/sesion', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ usuario: usuario.value.trim(), clave: clave.value }),
          });
          if (res.ok) {
            const s = (await res.json()) as Sesion;
            fondo.remove();
            document.body.classList.remove('sin-sesion');
            resolve({ usuario: s.usuario, rol: s.rol, expira: s.expira });
            return;
          }
          const espera = res.headers.get('retry-after');
          error.textContent =
            res.status === 429
              ? `Demasiados intentos fallidos. Espere ${espera ?? 'unos'} segundos y vuelva a intentar.`
              : res.status === 401 || res.status === 400
                ? 'Usuario o clave incorrectos.'
                : `No se pudo iniciar sesión (HTTP ${res.status}).`;
        } catch {
          error.textContent = 'No hay conexión con el servicio.';
        }
        error.hidden = false;
        clave.value = '';
        clave.focus();
        entrar.disabled = false;
      })();
    });
  });
}

/** The current session, or the login screen until there is one. */
export async function asegurarSesion(opciones: OpcionesSesion): Promise<Sesion> {
  return (await sesionActual()) ?? pedirSesion(opciones);
}

export async function cerrarSesion(): Promise<void> {
  await fetch('/api/sesion', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
  location.reload();
}

/** Whether `sesion` holds `rol` or a role above it. */
export function puede(sesion: Sesion, rol: string, roles: readonly string[]): boolean {
  const tiene = roles.indexOf(sesion.rol);
  const necesita = roles.indexOf(rol);
  return tiene >= 0 && necesita >= 0 && tiene >= necesita;
}

/** "ana (operador) · Salir", for the page's header. */
export function barraSesion(sesion: Sesion): HTMLElement {
  ensureStyles();
  const barra = document.createElement('div');
  barra.className = 'sesion-barra';
  const quien = document.createElement('span');
  quien.id = 'sesion-quien';
  quien.textContent = `${sesion.usuario} (${sesion.rol})`;
  const salir = document.createElement('button');
  salir.type = 'button';
  salir.id = 'sesion-salir';
  salir.textContent = 'Salir';
  salir.addEventListener('click', () => void cerrarSesion());
  barra.append(quien, salir);
  return barra;
}

/** Marks the body with the session's role (`rol-operador`) and the roles it includes (`puede-operador`), for CSS. */
export function marcarRol(sesion: Sesion, roles: readonly string[]): void {
  for (const r of roles) document.body.classList.toggle(`puede-${r}`, puede(sesion, r, roles));
  document.body.dataset.rol = sesion.rol;
}
