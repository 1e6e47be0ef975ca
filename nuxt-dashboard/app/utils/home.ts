import type { Role } from '@cwn/protocol';
import type { MessageKey } from '~/locales';

/** Where each role lands after signing in. */
export function homeFor(role: Role): string {
  switch (role) {
    case 'admin':
      return '/admin/users';
    case 'supervisor':
    case 'manager':
      return '/tv';
    case 'agent':
      return '/forbidden';
  }
}

/** The admin navigation, by role. */
export const NAV: { to: string; label: `nav.${string}` & MessageKey; roles: Role[] }[] = [
  { to: '/tv', label: 'nav.tv', roles: ['admin', 'supervisor', 'manager'] },
  { to: '/admin/users', label: 'nav.users', roles: ['admin', 'supervisor'] },
  { to: '/admin/kiosk', label: 'nav.kiosk', roles: ['admin'] },
  { to: '/admin/enrol', label: 'nav.enrol', roles: ['admin', 'supervisor'] },
  { to: '/admin/health', label: 'nav.health', roles: ['admin'] },
  { to: '/admin/audit', label: 'nav.audit', roles: ['admin'] },
  { to: '/admin/privacy', label: 'nav.privacy', roles: ['admin'] },
  { to: '/admin/ninjaone', label: 'nav.ninjaone', roles: ['admin', 'supervisor'] },
  { to: '/admin/whisper', label: 'nav.whisper', roles: ['admin', 'supervisor'] },
  { to: '/admin/retention', label: 'nav.retention', roles: ['admin', 'supervisor'] },
  { to: '/admin/alerts', label: 'nav.alerts', roles: ['admin', 'supervisor'] },
];
