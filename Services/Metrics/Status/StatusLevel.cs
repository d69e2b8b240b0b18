namespace ConnectorHealth.Metrics.Status;

// A status board state, worst first.
public enum StatusLevel
{
    Failing,
    Stale,
    Degraded,
    Healthy,
}

// The states as the API names them (failing, stale, degraded, healthy), worst first.
public static class StatusLevels
{
    private static readonly string[] NameArray = [.. Enum.GetValues<StatusLevel>().Select(Name)];

    public static readonly IReadOnlyList<string> Names = NameArray;

    public static string Name(this StatusLevel level) => level.ToString().ToLowerInvariant();

    public static StatusLevel? Parse(string name)
    {
        var index = Array.IndexOf(NameArray, name);
        return index < 0 ? null : (StatusLevel)index;
    }
}
