namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// The order of a connector's runs: by FinishedAt, ties broken by RunId compared as PostgreSQL compares uuids (byte by
/// byte, big-endian), so memory and the database agree on which run came first.
/// </summary>
public static class RunOrder
{
    public static int Compare(DateTimeOffset finishedA, Guid runA, DateTimeOffset finishedB, Guid runB)
    {
        // PostgreSQL keeps microseconds; Npgsql truncates the rest.
        var byTime = (finishedA.UtcTicks / 10).CompareTo(finishedB.UtcTicks / 10);
        if (byTime != 0)
        {
            return byTime;
        }
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        runA.TryWriteBytes(a, bigEndian: true, out _);
        runB.TryWriteBytes(b, bigEndian: true, out _);
        return a.SequenceCompareTo(b);
    }
}
