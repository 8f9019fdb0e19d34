/** A member as the coordinator sees it: it can give up and take on partitions. Neither call rejects. */
export interface GroupMember {
  /** Stops fetching `partitions`, waits for their handlers in flight, calls onRevoked. */
  revoke(partitions: number[]): Promise<void>;
  /** Starts fetching `partitions` after calling onAssigned. */
  assign(partitions: number[]): Promise<void>;
  assignment(): number[];
}

interface Group {
  readonly members: GroupMember[];
  readonly partitions: number;
  chain: Promise<void>;
}

/**
 * Consumer groups inside one bus. Members of a group (per topic) split its partitions round
 * robin in join order, like Kafka's RoundRobinAssigner. On every join or leave the group
 * rebalances: first every member gives up what it loses (so no partition ever has two owners),
 * then members take on what they gain. Rebalances of one group run one at a time.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  join(group: string, topic: string, partitions: number, member: GroupMember): Promise<void> {
    const key = groupKey(group, topic);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { members: [], partitions, chain: Promise.resolve() }));
    g.members.push(member);
    return this.rebalance(g);
  }

  /** Removes the member, has it give up its partitions, and rebalances the rest. */
  leave(group: string, topic: string, member: GroupMember): Promise<void> {
    const key = groupKey(group, topic);
    const g = this.groups.get(key);
    if (!g) return Promise.resolve();
    const i = g.members.indexOf(member);
    if (i >= 0) g.members.splice(i, 1);
    g.chain = g.chain.then(() => member.revoke(member.assignment()));
    const done = this.rebalance(g);
    if (g.members.length === 0) void done.then(() => g.members.length === 0 && this.groups.delete(key));
    return done;
  }

  /** Every group with members: its topic and what each member holds, in join order. */
  describe(): { group: string; topic: string; members: number[][] }[] {
    return [...this.groups].map(([key, g]) => {
      const [group, topic] = key.split('\u0000');
      return { group, topic, members: g.members.map((m) => m.assignment()) };
    });
  }

  hasMembers(group: string, topic: string): boolean {
    return (this.groups.get(groupKey(group, topic))?.members.length ?? 0) > 0;
  }

  private rebalance(g: Group): Promise<void> {
    g.chain = g.chain.then(async () => {
      const members = [...g.members];
      const target = new Map<GroupMember, number[]>(members.map((m) => [m, []]));
      for (let p = 0; p < g.partitions && members.length > 0; p++) target.get(members[p % members.length])!.push(p);
      await Promise.all(
        members.map((m) => {
          const keep = new Set(target.get(m));
          return m.revoke(m.assignment().filter((p) => !keep.has(p)));
        }),
      );
      await Promise.all(
        members.map((m) => {
          const have = new Set(m.assignment());
          return m.assign(target.get(m)!.filter((p) => !have.has(p)));
        }),
      );
    });
    return g.chain;
  }
}

function groupKey(group: string, topic: string): string {
  return `${group}\u0000${topic}`;
}
