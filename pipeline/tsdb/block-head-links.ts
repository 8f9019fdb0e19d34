import type { Labels } from '../../schemas/labels.js';
import type { Block } from './block/index.js';
import { hashLabels, type Head, type MemSeries } from './head/index.js';

/** Links (BlockHeadLinks.linked). */
const UNKNOWN = 0;
const NONE = -1;
/** Hashes (BlockHeadLinks.hashes). */
const UNHASHED = -1;
const UNLINKABLE = -2;

/**
 * Each block series' head series of the same labels (or none), kept per block across selects:
 * a select joins a series' block and head parts through them, by head ref, where it keyed every
 * part by its canonical label text and looked the keys up in a map (a fifth of a large select's
 * planning). Links are refs, not series objects, so a block does not keep series the head
 * removed alive: a link holds while the head has removed no series since it was looked up (a
 * removed series' ref may be given again, on replay), "none" while it has made none.
 */
export class BlockHeadLinks {
  /** By block series id: the head series' ref + 1, NONE, or UNKNOWN (not looked up yet). */
  private readonly linked: Int32Array;
  /**
   * By block series id: its labels' hash (hashLabels), UNHASHED, or UNLINKABLE. Kept: "none"
   * links are looked up again whenever the head makes series, which is all the time while it
   * takes in new series, and a map lookup by hash finds none without hashing the labels again.
   */
  private readonly hashes: Float64Array;
  /** The head's stats.seriesCreated and seriesRemoved when the links were looked up. */
  private created: number;
  private removed: number;

  constructor(
    private readonly block: Block,
    readonly head: Head,
  ) {
    this.linked = new Int32Array(block.series.length);
    this.hashes = new Float64Array(block.series.length).fill(UNHASHED);
    this.created = head.stats.seriesCreated;
    this.removed = head.stats.seriesRemoved;
  }

  /** The head series with the labels of block series `id`, or null. */
  of(id: number): MemSeries | null {
    const link = this.linked[id];
    if (link === NONE) return null;
    if (link !== UNKNOWN) {
      const s = this.head.series(link - 1);
      if (s !== undefined) return s;
    }
    const s = this.lookUp(id);
    this.linked[id] = s === undefined ? NONE : s.ref + 1;
    return s ?? null;
  }

  private lookUp(id: number): MemSeries | undefined {
    const labels = this.block.series[id].labels;
    let h = this.hashes[id];
    if (h === UNHASHED) this.hashes[id] = h = hasEmptyValue(labels) ? UNLINKABLE : hashLabels(labels);
    return h === UNLINKABLE ? undefined : this.head.find(labels, h);
  }

  /** Forgets the links the head's series made or removed since they were looked up may have changed. */
  refresh(): void {
    const { seriesCreated, seriesRemoved } = this.head.stats;
    if (seriesRemoved !== this.removed) this.linked.fill(UNKNOWN);
    else if (seriesCreated !== this.created) for (let i = 0; i < this.linked.length; i++) if (this.linked[i] === NONE) this.linked[i] = UNKNOWN;
    this.created = seriesCreated;
    this.removed = seriesRemoved;
  }
}

const linksOf = new WeakMap<Block, BlockHeadLinks>();

/** The links of `block`'s series to `head`, up to date. */
export function blockHeadLinks(block: Block, head: Head): BlockHeadLinks {
  let links = linksOf.get(block);
  if (links === undefined || links.head !== head) {
    links = new BlockHeadLinks(block, head);
    linksOf.set(block, links);
  } else links.refresh();
  return links;
}

/**
 * Labels with an empty value have no head series: the head drops empty values, so its series
 * would match a label set its canonical text tells apart.
 */
function hasEmptyValue(labels: Labels): boolean {
  for (const name in labels) if (labels[name] === '') return true;
  return false;
}
