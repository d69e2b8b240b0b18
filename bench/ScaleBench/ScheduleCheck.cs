namespace ConnectorHealth.ScaleBench;

// One slot and what ran for it, as evidence in the report.
internal sealed record SlotExample(string Connector, TimeSpan Interval, DateTimeOffset Slot, IReadOnlyList<DateTimeOffset> Starts, IReadOnlyList<Guid> RunIds);

// The schedule's account over the measured window: every slot due in it of every bench connector, and the runs that
// started for them.
internal sealed record ScheduleResult(
    DateTimeOffset From,
    DateTimeOffset To,
    int Connectors,
    int ConnectorsWithSlots,
    int SkippedConnectors,
    long Slots,
    long RunsChecked,
    long RunsRead,
    Percentile LatenessMilliseconds,
    double EarliestMilliseconds,
    long LateBySecondOrMore,
    long DoubleRuns,
    long MissedSlots,
    long NotTakenAtSnapshot,
    long RunsBeforeTheirFirstSlot,
    IReadOnlyDictionary<string, Percentile> LatenessByInterval,
    IReadOnlyList<SlotExample> Latest,
    IReadOnlyList<SlotExample> Doubles,
    IReadOnlyList<SlotExample> Missed);

// The killed replica's lock sessions (pg_stat_activity.application_name), the connector locks they held when it was
// killed, the bench's connectors among them whose slot was under way, and how long the bench waited for one.
internal sealed record VictimReplica(IReadOnlyList<string> LockSessions, int LocksHeld, IReadOnlyList<string> SlotsUnderWay, double WaitedSeconds);

// After the kill: the runs that were under way on the killed replica (run again elsewhere with the same run id) and the
// slots due just after it.
internal sealed record TakeoverResult(
    DateTimeOffset KilledAt,
    int KilledProcessId,
    VictimReplica Victim,
    int UnderWayAtKill,
    int Retaken,
    int FinishedBeforeKill,
    int NeverStored,
    int UnderWayElsewhere,
    int ElsewhereStartedAfterKill,
    int ElsewhereNeverStored,
    Percentile RetakenAfterKillMilliseconds,
    Percentile RetakenLatenessMilliseconds,
    TimeSpan AfterKillWindow,
    long SlotsDueAfterKill,
    Percentile DueAfterKillLatenessMilliseconds,
    long DueAfterKillMissed,
    IReadOnlyList<SlotExample> Retakes);

// Interval schedules run on a fixed grid (ConnectorSchedule.After(due) = due + interval), so a connector's slots are its
// next_slot less whole intervals, back to its first slot (at or after its creation). Each run belongs to the latest slot at
// or before its start, except a run seen under way at the kill, which belongs to the slot it was claimed for (running_due); lateness is its start less that slot. A slot with two run ids ran twice; a slot due in the window
// with none was missed.
internal static class ScheduleCheck
{
    // metrics.runs keeps started_at to the microsecond and the runner may cut it further (the run's canonical precision):
    // a run that started within this of its slot belongs to it.
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(5);

    private const int Examples = 10;

    public static ScheduleResult Check(
        IReadOnlyList<ConnectorSpec> connectors, SlotSnapshot snapshot, IReadOnlyList<StoredRun> runs, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<Guid, DateTimeOffset> claimed)
    {
        var slots = snapshot.Slots.ToDictionary(s => s.Connector);
        var byConnector = runs.ToLookup(r => r.Connector);
        var lateness = new List<double>();
        var byInterval = new Dictionary<TimeSpan, List<double>>();
        var latest = new List<(double Late, SlotExample Example)>();
        var doubles = new List<SlotExample>();
        var missed = new List<SlotExample>();
        long slotCount = 0, runsChecked = 0, doubleRuns = 0, missedSlots = 0, notTaken = 0, beforeFirst = 0;
        var (withSlots, skipped) = (0, 0);
        foreach (var connector in connectors)
        {
            if (!slots.TryGetValue(connector.Name, out var row) || row.Schedule != $"every {connector.Interval}")
            {
                skipped++; // Not scheduled yet, or its schedule is not the one the bench gave it.
                continue;
            }
            var interval = connector.Interval;
            var grid = byConnector[connector.Name]
                // A run taken over after a kill keeps the slot it was claimed for, however late it started.
                .GroupBy(r => claimed.TryGetValue(r.RunId, out var due) ? due : SlotOf(r.StartedAt, row.NextSlot, interval))
                .ToDictionary(g => g.Key, g => g.ToList());
            beforeFirst += grid.Where(g => g.Key < row.CreatedAt - Tolerance).Sum(g => g.Value.Count);
            var any = false;
            // Every slot due in the window: taken ones (before next_slot) and, past it, any the replicas had not yet taken.
            var first = row.NextSlot - interval * Math.Floor((row.NextSlot - from) / interval);
            for (var slot = first; slot <= to; slot += interval)
            {
                if (slot < from || slot < row.CreatedAt - Tolerance)
                {
                    continue;
                }
                any = true;
                slotCount++;
                var ran = grid.GetValueOrDefault(slot) ?? [];
                var example = new SlotExample(connector.Name, interval, slot, [.. ran.Select(r => r.StartedAt)], [.. ran.Select(r => r.RunId)]);
                if (ran.Count == 0)
                {
                    missedSlots++;
                    notTaken += slot >= row.NextSlot ? 1 : 0;
                    if (missed.Count < Examples)
                    {
                        missed.Add(example);
                    }
                    continue;
                }
                if (ran.Select(r => r.RunId).Distinct().Count() > 1)
                {
                    doubleRuns++;
                    if (doubles.Count < Examples)
                    {
                        doubles.Add(example);
                    }
                }
                foreach (var run in ran)
                {
                    runsChecked++;
                    var late = (run.StartedAt - slot).TotalMilliseconds;
                    lateness.Add(late);
                    (byInterval.TryGetValue(interval, out var list) ? list : byInterval[interval] = []).Add(late);
                    latest.Add((late, example));
                }
            }
            withSlots += any ? 1 : 0;
        }
        return new ScheduleResult(
            from, to, connectors.Count, withSlots, skipped, slotCount, runsChecked, runs.Count, Percentile.Of(lateness),
            lateness.DefaultIfEmpty(double.NaN).Min(), lateness.Count(l => l >= 1_000), doubleRuns, missedSlots,
            notTaken, beforeFirst,
            byInterval.OrderBy(i => i.Key).ToDictionary(i => Describe(i.Key), i => Percentile.Of(i.Value)),
            [.. latest.OrderByDescending(l => l.Late).Take(Examples).Select(l => l.Example)], doubles, missed);
    }

    public static TakeoverResult Takeover(
        IReadOnlyList<ConnectorSpec> connectors, SlotSnapshot underWay, DateTimeOffset killedAt, int killedProcessId, VictimReplica victim, SlotSnapshot end,
        IReadOnlyList<StoredRun> runs, TimeSpan afterKill)
    {
        var byId = runs.GroupBy(r => r.RunId).ToDictionary(g => g.Key, g => g.First());
        var onVictim = victim.SlotsUnderWay.ToHashSet(StringComparer.Ordinal);
        var (retaken, before, never) = (new List<(SlotRow Row, StoredRun Run)>(), 0, 0);
        foreach (var row in underWay.Slots.Where(s => s.RunningId is not null && onVictim.Contains(s.Connector)))
        {
            if (!byId.TryGetValue(row.RunningId!.Value, out var run))
            {
                never++;
            }
            else if (run.StartedAt > killedAt)
            {
                retaken.Add((row, run)); // Its stored start is the start of the run that took it over.
            }
            else
            {
                before++;
            }
        }
        // Slots under way on the surviving replica, or on the victim without its lock seen: each should have run once.
        var elsewhere = underWay.Slots.Where(s => s.RunningId is not null && !onVictim.Contains(s.Connector)).ToList();
        var elsewhereRetaken = elsewhere.Count(s => byId.TryGetValue(s.RunningId!.Value, out var run) && run.StartedAt > killedAt);
        var elsewhereNever = elsewhere.Count(s => !byId.ContainsKey(s.RunningId!.Value));
        var intervals = connectors.ToDictionary(c => c.Name, c => c.Interval);
        var byConnector = runs.ToLookup(r => r.Connector);
        // Runs seen under way at the kill keep their own slot (before the kill), whenever they started again.
        var wasUnderWay = underWay.Slots.Where(s => s.RunningId is not null).Select(s => s.RunningId!.Value).ToHashSet();
        var due = new List<double>();
        long dueCount = 0, dueMissed = 0;
        foreach (var row in end.Slots)
        {
            if (!intervals.TryGetValue(row.Connector, out var interval) || row.Schedule != $"every {interval}")
            {
                continue;
            }
            var first = row.NextSlot - interval * Math.Floor((row.NextSlot - killedAt) / interval);
            for (var slot = first; slot < killedAt + afterKill; slot += interval)
            {
                if (slot < killedAt || slot < row.CreatedAt - Tolerance)
                {
                    continue;
                }
                dueCount++;
                var ran = byConnector[row.Connector].Where(r => !wasUnderWay.Contains(r.RunId) && SlotOf(r.StartedAt, row.NextSlot, interval) == slot).ToList();
                dueMissed += ran.Count == 0 ? 1 : 0;
                due.AddRange(ran.Select(r => (r.StartedAt - slot).TotalMilliseconds));
            }
        }
        return new TakeoverResult(
            killedAt, killedProcessId, victim, onVictim.Count, retaken.Count, before, never, elsewhere.Count, elsewhereRetaken, elsewhereNever,
            Percentile.Of(retaken.Select(r => (r.Run.StartedAt - killedAt).TotalMilliseconds)),
            Percentile.Of(retaken.Select(r => (r.Run.StartedAt - r.Row.RunningDue!.Value).TotalMilliseconds)),
            afterKill, dueCount, Percentile.Of(due), dueMissed,
            [.. retaken.Take(Examples).Select(r => new SlotExample(r.Row.Connector, intervals.GetValueOrDefault(r.Row.Connector), r.Row.RunningDue!.Value, [r.Run.StartedAt], [r.Run.RunId]))]);
    }

    // The latest slot of the grid through nextSlot at or before the start (within the tolerance).
    private static DateTimeOffset SlotOf(DateTimeOffset started, DateTimeOffset nextSlot, TimeSpan interval) =>
        nextSlot + interval * Math.Floor((started + Tolerance - nextSlot) / interval);

    public static string Describe(TimeSpan interval) =>
        interval >= TimeSpan.FromHours(1) && interval.TotalHours % 1 == 0 ? $"{interval.TotalHours:0} h" : $"{interval.TotalMinutes:0.#} min";
}
