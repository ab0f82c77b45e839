/**
 * The two ways an announcement reaches a trader who is not looking: a short tone (off unless
 * the "Sound" setting is on) and a flashing tab title while the tab is hidden.
 */
import { readFlag, writeFlag } from "./local-settings";
import { announcements, type Announcement, type Draft, type Tone } from "./announcements";

/** The "Sound" setting (off by default): the top bar's toggle writes it, `tell` reads it. */
export const SOUND_KEY = "sound";

export function soundEnabled(): boolean {
  return readFlag(SOUND_KEY, false);
}

export function setSoundEnabled(on: boolean): void {
  writeFlag(SOUND_KEY, on);
}

/** Pitch per tone: a win rises, a loss falls, a warning is low. */
const PITCH: Record<Tone, [number, number]> = {
  profit: [660, 880],
  loss: [440, 330],
  info: [550, 550],
  warning: [300, 300],
  error: [260, 200],
};

type AudioContextLike = Pick<AudioContext, "createOscillator" | "createGain" | "destination" | "currentTime">;

let context: AudioContextLike | null = null;

/** A 0.25 s two-note tone through the Web Audio API; silent when the browser has none. */
export function playTone(tone: Tone, make: () => AudioContextLike | null = defaultContext): boolean {
  context = context ?? make();
  if (!context) return false;
  const [from, to] = PITCH[tone];
  const osc = context.createOscillator();
  const gain = context.createGain();
  const t = context.currentTime;
  osc.frequency.setValueAtTime(from, t);
  osc.frequency.setValueAtTime(to, t + 0.12);
  gain.gain.setValueAtTime(0.08, t);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
  osc.connect(gain).connect(context.destination);
  osc.start(t);
  osc.stop(t + 0.26);
  return true;
}

function defaultContext(): AudioContextLike | null {
  const Ctor = typeof window !== "undefined" ? window.AudioContext : undefined;
  return Ctor ? new Ctor() : null;
}

/** Forget the audio context (tests). */
export function resetAudio(): void {
  context = null;
}

/**
 * Flashes `text` in the tab title, once a second, while the document is hidden; the title
 * comes back when the tab is shown again. A second call while flashing changes the text.
 */
export class TitleFlasher {
  private timer: ReturnType<typeof setInterval> | null = null;
  private original = "";
  private text = "";

  constructor(private readonly doc: Document = document) {}

  flash(text: string): void {
    if (!this.doc.hidden) return;
    this.text = text;
    if (this.timer !== null) return;
    this.original = this.doc.title;
    let on = false;
    this.timer = setInterval(() => {
      on = !on;
      this.doc.title = on ? `● ${this.text}` : this.original;
    }, 1000);
    this.doc.title = `● ${this.text}`;
    this.doc.addEventListener("visibilitychange", this.onVisible);
  }

  get flashing(): boolean {
    return this.timer !== null;
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.doc.title = this.original;
    this.doc.removeEventListener("visibilitychange", this.onVisible);
  }

  private onVisible = () => {
    if (!this.doc.hidden) this.stop();
  };
}

let flasher: TitleFlasher | null = null;

/** Tell the trader: the session's event log and the toasts (the store), the tone, the title. */
export function tell(draft: Draft): Announcement {
  const item = announcements.add(draft);
  if (soundEnabled()) playTone(item.tone);
  if (typeof document !== "undefined") {
    flasher = flasher ?? new TitleFlasher();
    flasher.flash(item.title);
  }
  return item;
}
