import type { z } from 'zod';
import { computed, onMounted, ref, type Ref } from 'vue';
import type { SettingSource } from '@cwn/protocol';
import type { MessageKey } from '~/locales';
import { useSessionStore } from '~/stores/session';

export interface AdminSettingOptions<V> {
  /** Copies a view the server answered into the page's form. */
  fill: (view: V) => void;
  /** Reloads what depends on the setting (the alerts it gives, the workers, the preview). */
  after?: () => Promise<void>;
  /** Shown once a save went through. */
  savedKey: MessageKey;
}

/**
 * One admin setting page's state and actions (alerts, retention, whisper): the view loaded from
 * `path` (GET, validated with `schema`) when the page mounts, saved with PUT and reset to the
 * environment's with DELETE, each answer filled into the form; admins edit, supervisors read only;
 * `busy` while a request runs; the error or notice to show (SettingStatus displays them). The API
 * is called through useApi().
 */
export function useAdminSetting<S extends z.ZodType<SettingSource>>(
  path: string,
  schema: S,
  o: AdminSettingOptions<z.infer<S>>,
) {
  const { t } = useT();
  const api = useApi();
  const session = useSessionStore();
  const canEdit = computed(() => session.user?.role === 'admin');
  const view = ref(null) as Ref<z.infer<S> | null>;
  const error = ref('');
  const notice = ref('');
  const busy = ref(false);

  const fail = (err: unknown) =>
    (error.value = t('common.error', {
      message: err instanceof Error ? err.message : String(err),
    }));
  const clear = () => (error.value = notice.value = '');

  /** `value` through `parser`; null, with its first issue shown, when it does not pass. */
  function parse<P extends z.ZodType>(parser: P, value: unknown): z.infer<P> | null {
    const parsed = parser.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    error.value = t('common.error', { message: `${issue?.path.join('.')}: ${issue?.message}` });
    return null;
  }

  /** Runs one request of the page: messages cleared, `busy` meanwhile, its failure shown. */
  async function run(request: () => Promise<void>): Promise<void> {
    clear();
    busy.value = true;
    try {
      await request();
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  }

  async function applied(answer: z.infer<S>, noticeKey?: MessageKey) {
    view.value = answer;
    o.fill(answer);
    if (noticeKey) notice.value = t(noticeKey);
    await o.after?.();
  }

  async function load() {
    error.value = '';
    try {
      await applied(await api(path, { schema }));
    } catch (err) {
      fail(err);
    }
  }

  /** PUTs `body` (already parsed) and fills the answer in. */
  const save = (body: unknown) =>
    run(async () => applied(await api(path, { method: 'PUT', body, schema }), o.savedKey));

  /** Back to the environment's value (DELETE). */
  const reset = () =>
    run(async () => applied(await api(path, { method: 'DELETE', schema }), 'settings.resetDone'));

  onMounted(load);
  return { api, t, view, error, notice, busy, canEdit, clear, fail, parse, run, load, save, reset };
}
