// A short beep and a desktop notification for a new chat — only after the agent asked for them
// with the button (browsers and agents both dislike unprompted permission requests).
export class Notifier {
  /** Notification permission as the browser reports it; 'unsupported' without the API. */
  permission = $state<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  private audio: AudioContext | undefined;

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
