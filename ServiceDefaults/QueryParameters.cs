using ConnectorHealth.Contracts;
using System.Globalization;

namespace ConnectorHealth.ServiceDefaults;

// Parses query parameters from their raw text, so that a bad value becomes a validation problem naming the parameter
// instead of a bare 400 from model binding.
public sealed class QueryParameters
{
    // The days a query may name. Runs before 1970 cannot exist, and the bounds keep every derived day (a default
    // range counted back from to, the day after to) inside what DateOnly and PostgreSQL can hold.
    public static readonly DateOnly FirstDay = new(1970, 1, 1);

    public static readonly DateOnly LastDay = new(9999, 12, 30);

    private static readonly string DayBounds = $"from {FirstDay:yyyy-MM-dd} to {LastDay:yyyy-MM-dd}";

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool HasErrors => _errors.Count > 0;

    public IDictionary<string, string[]> Errors => _errors;

    public void Fail(string name, string message) => _errors.TryAdd(name, [message]);

    public int? Int(string name, string? text, int min, int max)
    {
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Fail(name, $"{name} must be a whole number from {min} to {max}.");
            return null;
        }
        return value;
    }

    // An ISO-8601 instant with an offset (2026-03-01T12:00:00Z), or a date meaning its UTC midnight.
    public DateTimeOffset? Instant(string name, string? text)
    {
        if (text is null)
        {
            return null;
        }
        // An offset's '+' left unencoded in a URL arrives as a space (2026-03-01T14:00:00 02:00): it can mean nothing else.
        if (text.Length > 10 && text[^6] == ' ')
        {
            text = string.Concat(text.AsSpan(0, text.Length - 6), "+", text.AsSpan(text.Length - 5));
        }
        DateTimeOffset? value = null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }
        else if (text.Length is > 10 and <= 40 && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant))
        {
            value = instant;
        }
        if (value is null)
        {
            Fail(name, $"{name} must be an ISO-8601 time with an offset (e.g. 2026-03-01T12:00:00Z) or a date (2026-03-01).");
            return null;
        }
        if (DateOnly.FromDateTime(value.Value.UtcDateTime) is var utcDay && (utcDay < FirstDay || utcDay > LastDay))
        {
            Fail(name, $"{name} must fall on a UTC day {DayBounds}.");
            return null;
        }
        return value;
    }

    // A UTC calendar day, yyyy-MM-dd.
    public DateOnly? Day(string name, string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            Fail(name, $"{name} must be a UTC date, yyyy-MM-dd (e.g. 2026-03-01).");
            return null;
        }
        if (day < FirstDay || day > LastDay)
        {
            Fail(name, $"{name} must be a day {DayBounds}.");
            return null;
        }
        return day;
    }

    /// <summary>
    /// A connector's name, by the one rule of what a connector is (<see cref="RunDefinition.IsConnectorName"/>): a name no
    /// run can carry is refused rather than looked up, filtered on or stored against.
    /// </summary>
    public string? Connector(string name, string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (!RunDefinition.IsConnectorName(text))
        {
            Fail(name, $"{name} must be a connector name: {RunDefinition.ConnectorNameRule}.");
            return null;
        }
        return text;
    }

    /// <summary>
    /// One connector name or several separated by commas (no connector name holds one), each by the rule of
    /// <see cref="Connector"/>, at most <paramref name="max"/> of them; repeats count once. Null when not given.
    /// </summary>
    public string[]? Connectors(string name, string? text, int max)
    {
        if (text is null)
        {
            return null;
        }
        var names = text.Split(',');
        if (!names.All(RunDefinition.IsConnectorName))
        {
            Fail(name, $"{name} must be a connector name ({RunDefinition.ConnectorNameRule}) or several separated by commas.");
            return null;
        }
        var distinct = names.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > max)
        {
            Fail(name, $"{name} may name at most {max} connectors.");
            return null;
        }
        return distinct;
    }

    /// <summary>An owner and a tag to filter by, each by the run's own rules (<see cref="RunDefinition.OwnerProblem"/>,
    /// <see cref="RunDefinition.TagsProblem"/>): a value no run can carry is refused rather than matched against.</summary>
    public (string? Owner, string? Tag) Labels(string? owner, string? tag)
    {
        if (owner is not null && RunDefinition.OwnerProblem(owner) is { } ownerProblem)
        {
            Fail("owner", ownerProblem);
            owner = null;
        }
        if (tag is not null && RunDefinition.TagsProblem([tag], "tag") is { } tagProblem)
        {
            Fail("tag", tagProblem);
            tag = null;
        }
        return (owner, tag);
    }

    public string? Text(string name, string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }
        if (text.Length == 0 || text.Length > maxLength)
        {
            Fail(name, $"{name} must be 1 to {maxLength} characters.");
            return null;
        }
        if (!StorableText.IsStorable(text))
        {
            Fail(name, $"{name} {StorableText.Rule}.");
            return null;
        }
        return text;
    }

    // Defaults and checks a day range: to defaults to today (UTC), from to defaultDays days up to to.
    public (DateOnly From, DateOnly To) DayRange(string? fromText, string? toText, DateOnly today, int defaultDays, int maxDays)
    {
        var errors = _errors.Count;
        var to = Day("to", toText) ?? today;
        var from = Day("from", fromText) ?? Max(to.AddDays(1 - defaultDays), FirstDay);
        if (_errors.Count > errors)
        {
            return (from, to);
        }
        if (from > to)
        {
            Fail("from", "from must not be after to.");
        }
        else if (to.DayNumber - from.DayNumber + 1 > maxDays)
        {
            Fail("from", $"from and to may span at most {maxDays} days.");
        }
        return (from, to);
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
