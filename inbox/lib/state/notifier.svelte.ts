// A short beep and a desktop notification for a new chat, an assignment, a citizen's reply, new
// mail in the watched queue and a mention — only after the agent asked for them with the button
// (browsers and agents both dislike unprompted permission requests). The server sends each agent
// only what is theirs (server/inbox/live.ts); the tab title counts what is not yet opened.
import type { AgentNotification } from '../../../server/inbox/live.ts';
import type { AgentSocket } from '../api/socket.ts';
import { i18n } from '../i18n/index.svelte.ts';

const TITLE_COUNT = /^\(\d+\) /;

export class Notifier {
  /** Notification permission as the browser reports it; 'unsupported' without the API. */
  permission = $state<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  /** Notifications about conversations the agent has not opened since: the "(3)" of the tab title. */
  unread = $state(0);
  private audio: AudioContext | undefined;
  private readonly unseen = new Map<number, number>();

  /** Asks for permission; called from a click, so the audio context may start too. */
  async enable() {
    this.audio ??= new AudioContext();
    if (typeof Notification === 'undefined') return;
    this.permission = await Notification.requestPermission();
  }

  get enabled(): boolean {
    return this.permission === 'granted';
  }

  /** A new chat waits: beep and, when permitted, a desktop notification that opens it. */
  newChat(title: string, body: string, onOpen: () => void) {
    if (!this.enabled) return;
    this.beep();
    const notification = new Notification(title, { body, tag: 'balie-new-chat' });
    notification.onclick = () => {
      window.focus();
      onOpen();
      notification.close();
    };
  }

  /**
   * Follows this agent's notifications; returns the unsubscribe. `onOpen` opens the conversation
   * when the desktop notification is clicked.
   */
  connect(socket: AgentSocket, onOpen: (conversationId: number) => void): () => void {
    const heard = (notification: AgentNotification) => this.notify(notification, onOpen);
    socket.on('notification.created', heard);
    return () => socket.off('notification.created', heard);
  }

  /** Counts the notification for the tab title and, when permitted, beeps and shows it. */
  notify(notification: AgentNotification, onOpen: (conversationId: number) => void) {
    this.unseen.set(notification.conversationId, (this.unseen.get(notification.conversationId) ?? 0) + 1);
    this.showCount();
    if (!this.enabled) return;
    this.beep();
    const values = { reference: notification.reference, by: notification.by ?? i18n.t('notify.someone') };
    const shown = new Notification(i18n.t(`notify.${notification.kind}_title`), {
      body: i18n.t(`notify.${notification.kind}_body`, values),
      tag: `balie-${notification.kind}-${notification.conversationId}`,
    });
    shown.onclick = () => {
      window.focus();
      onOpen(notification.conversationId);
      shown.close();
    };
  }

  /** The agent opened the conversation: its notifications are read. */
  seen(conversationId: number) {
    if (this.unseen.delete(conversationId)) this.showCount();
  }

  private showCount() {
    this.unread = [...this.unseen.values()].reduce((sum, n) => sum + n, 0);
    const base = document.title.replace(TITLE_COUNT, '');
    document.title = this.unread > 0 ? `(${this.unread}) ${base}` : base;
  }

  /** Two short tones from an oscillator: no audio file to load or to be blocked by the CSP. */
  private beep() {
    try {
      this.audio ??= new AudioContext();
      const context = this.audio;
      const gain = context.createGain();
      gain.gain.value = 0.08;
      gain.connect(context.destination);
      [0, 0.18].forEach((offset, index) => {
        const tone = context.createOscillator();
        tone.frequency.value = index === 0 ? 880 : 1320;
        tone.connect(gain);
        tone.start(context.currentTime + offset);
        tone.stop(context.currentTime + offset + 0.12);
      });
    } catch {
      // No audio device: the notification and the live region still tell.
    }
  }
}
