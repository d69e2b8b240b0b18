using System.Text.RegularExpressions;

namespace ConnectorHealth.Contracts;

/// <summary>
/// What a run is, in one place: the names, limits, enums, time zone and precision every store keeps. The runner's
/// door turns each report into the canonical run (<see cref="Canonical"/>) or refuses it by these rules, the runner
/// fits what its own connectors produce to them, and every consumer checks each message against them
/// (<see cref="Problems"/>), so a run that one stage accepts is a run every stage stores unchanged.
/// </summary>
public static partial class RunDefinition
{
    /// <summary>A connector name: lower-case letters, digits, <c>_</c>, <c>-</c> and <c>.</c>, starting with a letter,
    /// digit or <c>_</c> (never <c>.</c> or <c>..</c>: it stands in URL paths), at most 100 characters.</summary>
    public const int MaxConnectorLength = 100;

    public const string ConnectorNameRule =
        "lower-case letters, digits, '_', '-' and '.', starting with a letter, digit or '_', at most 100 characters";

    public const int MaxErrorTypeLength = 200;

    /// <summary>An error message's length in UTF-16 code units (an emoji counts two).</summary>
    public const int MaxErrorMessageLength = 4_000;

    public const int MaxAttempts = 100;

    /// <summary>An owner: a team's or a person's name or address, storable text of 1 to 200 characters.</summary>
    public const int MaxOwnerLength = 200;

    public const int MaxTags = 20;

    public const string TagRule =
        "lower-case letters, digits and '_', '-', '.', ':', '/' or '=', starting with a letter or digit, at most 63 characters";

    private const string TagCharacters = "[a-z0-9][a-z0-9_.:/=-]{0,62}";

    public static readonly TimeSpan MinExpectedInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxExpectedInterval = TimeSpan.FromDays(366);

    /// <summary>The most digits after the decimal point a payload number may have (PostgreSQL's numeric, which jsonb
    /// uses, keeps 16,383); the exponent counts: <c>1e-16384</c> has 16,384.</summary>
    public const int MaxNumberScale = 16_383;

    /// <summary>The connector name rule as a pattern, for API documents (OpenAPI, JSON Schema).</summary>
    public const string ConnectorNamePattern = "^" + ConnectorNameCharacters + "$";

    private const string ConnectorNameCharacters = "[a-z0-9_][a-z0-9_.-]{0,99}";

    // \z, not $: in .NET "$" also matches before a final newline, which would let "good_api\n" through.
    [GeneratedRegex(@"\A" + ConnectorNameCharacters + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectorName();

    public static bool IsConnectorName(string? name) => name is not null && ConnectorName().IsMatch(name);

    [GeneratedRegex(@"\A" + TagCharacters + @"\z", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    /// <summary>What keeps <paramref name="owner"/> from being a connector's owner, or null.</summary>
    public static string? OwnerProblem(string owner, string field = "owner") =>
        owner.Length == 0 || string.IsNullOrWhiteSpace(owner) ? $"{field} must not be empty; leave it out to say nothing."
        : TextProblem(owner, field, MaxOwnerLength);

    /// <summary>What keeps <paramref name="tags"/> from being a connector's tags, or null.</summary>
    public static string? TagsProblem(IReadOnlyList<string?> tags, string field = "tags")
    {
        if (tags.Count > MaxTags)
        {
            return $"{field}: at most {MaxTags} tags (got {tags.Count}).";
        }
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i] is not { } tag || !Tag().IsMatch(tag))
            {
                return $"{field}[{i}]: {(tags[i] is null ? "null" : $"'{tags[i]}'")} is not a tag: {TagRule}.";
            }
        }
        return tags.Distinct(StringComparer.Ordinal).Count() != tags.Count ? $"{field}: a tag appears twice." : null;
    }

    /// <summary>An instant as the stores keep it: UTC, truncated to the microsecond (PostgreSQL's precision).</summary>
    public static DateTimeOffset Time(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>A duration as the stores keep it: truncated to the microsecond (PostgreSQL's interval).</summary>
    public static TimeSpan Interval(TimeSpan interval) =>
        new(interval.Ticks - interval.Ticks % TimeSpan.TicksPerMicrosecond);

    /// <summary>The run as every store keeps it: times in UTC to the microsecond. Canonical input comes back equal.</summary>
    public static RunCompleted Canonical(RunCompleted run) => run with
    {
        StartedAt = Time(run.StartedAt),
        FinishedAt = Time(run.FinishedAt),
        ExpectedInterval = run.ExpectedInterval is { } interval ? Interval(interval) : null,
        Lineage = run.Lineage is { } lineage ? Canonical(lineage) : null,
        Attempts = run.Attempts is null
            ? []
            : [.. run.Attempts.Select(a => a is null ? a! : a with
            {
                StartedAt = Time(a.StartedAt),
                RetryAfterHonoured = a.RetryAfterHonoured is { } retryAfter ? Interval(retryAfter) : null,
                BackoffApplied = a.BackoffApplied is { } backoff ? Interval(backoff) : null,
            })],
    };

    /// <summary>
    /// What keeps a run from being stored as it is, by field (<c>attempts[1].errorMessage</c>); empty for a run every
    /// store keeps unchanged. Checks the canonical form: call it on <see cref="Canonical"/>'s result.
    /// </summary>
    public static IReadOnlyList<RunProblem> Problems(RunCompleted run)
    {
        var problems = new List<RunProblem>();
        void Add(string field, string message) => problems.Add(new RunProblem(field, message));

        if (run.RunId == Guid.Empty)
        {
            Add("runId", "runId must be a non-empty UUID.");
        }
        if (!IsConnectorName(run.Connector))
        {
            Add("connector", $"connector must be {ConnectorNameRule} ({ConnectorNamePattern}, the whole value).");
        }
        if (!Enum.IsDefined(run.Source))
        {
            Add("source", $"source must be one of: {EnumNames.List<RunSource>()}.");
        }
        if (!Enum.IsDefined(run.Status))
        {
            Add("status", $"status must be one of: {EnumNames.List<RunStatus>()}.");
        }
        if (run.FinishedAt < run.StartedAt)
        {
            Add("finishedAt", "finishedAt is before startedAt.");
        }
        if (!IsDuration(run.LatencyMs))
        {
            Add("latencyMs", "latencyMs must be a finite, non-negative number of milliseconds.");
        }
        Text(run.ErrorType, "errorType", MaxErrorTypeLength, Add);
        Text(run.ErrorMessage, "errorMessage", MaxErrorMessageLength, Add);
        if (run.PayloadBytes < 0)
        {
            Add("payloadBytes", "payloadBytes must not be negative.");
        }
        if (run.ExpectedInterval is { } interval && IntervalProblem(interval) is { } intervalProblem)
        {
            Add("expectedInterval", intervalProblem);
        }
        if (run.Owner is { } owner && OwnerProblem(owner) is { } ownerProblem)
        {
            Add("owner", ownerProblem);
        }
        if (run.Tags is { } tags && TagsProblem(tags) is { } tagsProblem)
        {
            Add("tags", tagsProblem);
        }
        Attempts(run.Attempts, Add);
        if (run.Lineage is { } lineage)
        {
            problems.AddRange(LineageDefinition.Problems(lineage));
        }
        return problems;
    }

    /// <summary>What keeps a run in progress from being stored as it is; as <see cref="Problems(RunCompleted)"/>.</summary>
    public static IReadOnlyList<RunProblem> Problems(RunInProgress run)
    {
        var problems = new List<RunProblem>();
        if (run.RunId == Guid.Empty)
        {
            problems.Add(new RunProblem("runId", "runId must be a non-empty UUID."));
        }
        if (!IsConnectorName(run.Connector))
        {
            problems.Add(new RunProblem("connector", $"connector must be {ConnectorNameRule} ({ConnectorNamePattern}, the whole value)."));
        }
        if (!Enum.IsDefined(run.Source))
        {
            problems.Add(new RunProblem("source", $"source must be one of: {EnumNames.List<RunSource>()}."));
        }
        if (run.UpdatedAt < run.StartedAt)
        {
            problems.Add(new RunProblem("updatedAt", "updatedAt is before startedAt."));
        }
        if (run.Owner is { } owner && OwnerProblem(owner) is { } ownerProblem)
        {
            problems.Add(new RunProblem("owner", ownerProblem));
        }
        if (run.Tags is { } tags && TagsProblem(tags) is { } tagsProblem)
        {
            problems.Add(new RunProblem("tags", tagsProblem));
        }
        if (run.Lineage is null)
        {
            problems.Add(new RunProblem("lineage", "lineage is required."));
        }
        else
        {
            problems.AddRange(LineageDefinition.Problems(run.Lineage));
        }
        return problems;
    }

    /// <summary>A run in progress as every store keeps it: times in UTC to the microsecond.</summary>
    public static RunInProgress Canonical(RunInProgress run) => run with
    {
        StartedAt = Time(run.StartedAt),
        UpdatedAt = Time(run.UpdatedAt),
        Lineage = run.Lineage is { } lineage ? Canonical(lineage) : run.Lineage!,
    };

    private static RunLineage Canonical(RunLineage lineage) => lineage with
    {
        NominalStartTime = lineage.NominalStartTime is { } start ? Time(start) : null,
        NominalEndTime = lineage.NominalEndTime is { } end ? Time(end) : null,
    };

    private static void Attempts(IReadOnlyList<RunAttempt>? attempts, Action<string, string> add)
    {
        if (attempts is null)
        {
            add("attempts", "attempts must be a list (it may be empty).");
            return;
        }
        if (AttemptCountProblem(attempts.Count) is { } countProblem)
        {
            add("attempts", countProblem);
            return;
        }
        for (var i = 0; i < attempts.Count; i++)
        {
            var at = $"attempts[{i}]";
            if (attempts[i] is not { } a)
            {
                add(at, "An attempt is required, not null.");
                continue;
            }
            if (AttemptNumberProblem(a.Number, i) is { } numberProblem)
            {
                add($"{at}.number", numberProblem);
            }
            if (!IsDuration(a.DurationMs))
            {
                add($"{at}.durationMs", "durationMs must be a finite, non-negative number of milliseconds.");
            }
            if (!Enum.IsDefined(a.Outcome))
            {
                add($"{at}.outcome", $"outcome must be one of: {EnumNames.List<AttemptOutcome>()}.");
            }
            if (HttpStatusProblem(a.HttpStatus) is { } statusProblem)
            {
                add($"{at}.httpStatus", statusProblem);
            }
            if (a.RetryAfterHonoured is { Ticks: < 0 } || a.BackoffApplied is { Ticks: < 0 })
            {
                add(at, "retryAfterHonoured and backoffApplied must not be negative.");
            }
            Text(a.ErrorType, $"{at}.errorType", MaxErrorTypeLength, add);
            Text(a.ErrorMessage, $"{at}.errorMessage", MaxErrorMessageLength, add);
        }
    }

    public static string? AttemptCountProblem(int count) => count > MaxAttempts ? $"At most {MaxAttempts} attempts (got {count})." : null;

    /// <summary>Attempts are numbered 1, 2, 3, … in their order; <paramref name="index"/> is the attempt's place (0 first).</summary>
    public static string? AttemptNumberProblem(int? number, int index) =>
        number == index + 1 ? null : $"Attempts are numbered 1, 2, 3, … in order: expected {index + 1}.";

    public static string? HttpStatusProblem(int? status) => status is < 100 or > 599 ? "httpStatus must be between 100 and 599." : null;

    /// <summary>An interval is judged as stored, to the microsecond: a tick-long one would be stored as zero.</summary>
    public static string? IntervalProblem(TimeSpan interval) => Interval(interval) is var stored && (stored < MinExpectedInterval || stored > MaxExpectedInterval)
        ? $"expectedInterval must be between {MinExpectedInterval} and {MaxExpectedInterval.TotalDays:0} days (e.g. \"00:15:00\")."
        : null;

    /// <summary>A latency or an attempt's duration: a finite, non-negative number of milliseconds.</summary>
    public static bool IsDuration(double value) => double.IsFinite(value) && value >= 0;

    /// <summary>What keeps <paramref name="text"/> from being one of a run's texts, or null.</summary>
    public static string? TextProblem(string text, string field, int maxLength) =>
        text.Length > maxLength
            ? $"{field} is {text.Length:N0} characters long; at most {maxLength:N0} are accepted."
            : StorableText.Problem(text) is { } problem ? $"{field} {problem}." : null;

    private static void Text(string? text, string field, int maxLength, Action<string, string> add)
    {
        if (text is not null && TextProblem(text, field, maxLength) is { } problem)
        {
            add(field, problem);
        }
    }

    /// <summary>
    /// Text the runner itself produced (an exception's message, a source's error body) cut to <paramref name="maxLength"/>
    /// without splitting a surrogate pair, and made storable (NUL and lone surrogates become U+FFFD). Reports are never
    /// cut: they are refused.
    /// </summary>
    public static string? Fit(string? text, int maxLength)
    {
        if (text is null)
        {
            return null;
        }
        if (text.Length > maxLength)
        {
            var end = maxLength;
            if (end > 0 && char.IsHighSurrogate(text[end - 1]))
            {
                end--;
            }
            text = text[..end];
        }
        return StorableText.IsStorable(text) ? text : StorableText.Clean(text);
    }

    /// <summary>
    /// Whether a JSON number's text can be stored in jsonb: finite as a 64-bit float (what schema inference reads) and at
    /// most <see cref="MaxNumberScale"/> digits after the decimal point once its exponent is applied.
    /// </summary>
    public static bool IsStorableNumber(ReadOnlySpan<byte> number)
    {
        var i = 0;
        if (i < number.Length && number[i] == (byte)'-')
        {
            i++;
        }
        while (i < number.Length && IsDigit(number[i]))
        {
            i++;
        }
        long fraction = 0;
        if (i < number.Length && number[i] == (byte)'.')
        {
            i++;
            while (i < number.Length && IsDigit(number[i]))
            {
                fraction++;
                i++;
            }
        }
        long exponent = 0;
        if (i < number.Length && (number[i] | 0x20) == (byte)'e')
        {
            i++;
            var negative = i < number.Length && number[i] == (byte)'-';
            if (i < number.Length && number[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }
            while (i < number.Length && IsDigit(number[i]))
            {
                // Saturate: any exponent past a billion is out of range either way.
                exponent = Math.Min(exponent * 10 + (number[i] - '0'), 1_000_000_000);
                i++;
            }
            exponent = negative ? -exponent : exponent;
        }
        if (fraction - exponent > MaxNumberScale)
        {
            return false;
        }
        return double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value);

        static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
    }
}
