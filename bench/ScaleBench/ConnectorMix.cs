using System.Globalization;

namespace ConnectorHealth.ScaleBench;

// One connector as the bench creates it: the body of PUT /api/connectors/{name} (docs/connectors.md).
internal sealed record ConnectorSpec(string Name, string Kind, TimeSpan Interval, string Owner, IReadOnlyList<string> Tags)
{
    // Short attempts and retries: the longest run (three timed-out attempts and backoffs of at most 1 and 2 s) is about
    // 18 s, well inside the shortest interval, so no run overruns its slot and the schedule stays on its grid. A run that
    // retries lasts a second or more, as a real source's would.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public object Body => new
    {
        kind = Kind,
        interval = Interval.ToString("c", CultureInfo.InvariantCulture),
        timeout = Timeout.ToString("c", CultureInfo.InvariantCulture),
        retry = new { maxAttempts = 3, initialDelay = "00:00:01", multiplier = 2.0, maxDelay = "00:00:04", jitter = true },
        enabled = true,
        owner = Owner,
        tags = Tags,
    };
}

// The mix of connectors, drawn from a seed: intervals from a minute to an hour (most every 5 minutes), kinds mostly
// good_api with a share failing, rate-limited and drifting, owners and tags spread.
internal static class ConnectorMix
{
    public static readonly (TimeSpan Interval, double Share)[] Intervals =
    [
        (TimeSpan.FromMinutes(1), 0.10), (TimeSpan.FromMinutes(5), 0.70), (TimeSpan.FromMinutes(15), 0.10), (TimeSpan.FromHours(1), 0.10),
    ];

    public static readonly (string Kind, double Share)[] Kinds =
    [
        ("good_api", 0.70), ("flaky_api", 0.08), ("auth_failing_api", 0.04), ("rate_limited_api", 0.08), ("schema_changer", 0.05),
        ("nulling_field_api", 0.05),
    ];

    public const int Owners = 25;

    private static readonly string[] TagPool = ["tier:1", "tier:2", "tier:3", "pii", "finance", "crm", "region:eu", "region:us", "batch", "partner"];

    public static IReadOnlyList<ConnectorSpec> Create(int count, int seed)
    {
        var random = new Random(seed);
        var connectors = new List<ConnectorSpec>(count);
        for (var i = 0; i < count; i++)
        {
            var tags = TagPool.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).ToList();
            connectors.Add(new ConnectorSpec(
                $"{ScaleBenchOptions.Prefix}{i:D5}",
                Pick(Kinds, random),
                Pick(Intervals, random),
                $"team-{random.Next(Owners):D2}",
                tags));
        }
        return connectors;
    }

    private static T Pick<T>((T Value, double Share)[] choices, Random random)
    {
        var draw = random.NextDouble();
        foreach (var (value, share) in choices)
        {
            if ((draw -= share) < 0)
            {
                return value;
            }
        }
        return choices[^1].Value;
    }
}
