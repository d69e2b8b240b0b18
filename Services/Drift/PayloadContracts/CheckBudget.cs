using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace ConnectorHealth.Drift.PayloadContracts;

/// <summary>
/// The time one payload's check may take. JSON Schema evaluation has no cancellation of its own, so the contract is
/// built with two additions: every subschema carries a keyword that, evaluated with its siblings, ends the check once
/// the deadline has passed (or the stack runs short); and every <c>pattern</c> / <c>patternProperties</c> regular
/// expression gets the budget as its match timeout, so one catastrophic match cannot outlast it either. A check thus
/// ends within about twice the budget, whatever the schema.
/// </summary>
public sealed class CheckBudget
{
    /// <summary>The keyword added to every subschema; its name cannot clash with a real one.</summary>
    public const string Keyword = "x-connectorhealth-check-budget";

    private static readonly ConcurrentDictionary<TimeSpan, CheckBudget> ByBudget = new();

    [ThreadStatic]
    private static long _deadline;

    private CheckBudget(TimeSpan budget)
    {
        Budget = budget;
        IKeywordHandler[] handlers = [new DeadlineKeyword(), new TimedPatternKeyword(budget), new TimedPatternPropertiesKeyword(budget)];
        Dialects = new DialectRegistry();
        foreach (var dialect in new[] { Dialect.Draft06, Dialect.Draft07, Dialect.Draft201909, Dialect.Draft202012, Dialect.V1 })
        {
            Dialects.Register(dialect.With(handlers, dialect.Id, dialect.RefIgnoresSiblingKeywords, dialect.AllowUnknownKeywords));
        }
        Default = Dialect.Default.With(handlers, Dialect.Default.Id, Dialect.Default.RefIgnoresSiblingKeywords, Dialect.Default.AllowUnknownKeywords);
    }

    public TimeSpan Budget { get; }

    public DialectRegistry Dialects { get; }

    public Dialect Default { get; }

    /// <summary>The budget in words, as violations quote it ("1 s", "250 ms").</summary>
    public string Text => Budget.TotalMilliseconds % 1000 == 0 ? $"{Budget.TotalSeconds:0} s" : $"{Budget.TotalMilliseconds:0} ms";

    public static CheckBudget Of(TimeSpan budget) => ByBudget.GetOrAdd(budget, b => new CheckBudget(b));

    /// <summary>The contract document with the deadline keyword on every subschema.</summary>
    public static JsonElement Instrument(JsonElement document)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ContractGraph.Copy(document, writer, w => w.WriteBoolean(Keyword, true));
        }
        return JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = ContractGraph.MaxDepth + 2 }).RootElement;
    }

    /// <summary>Evaluates within the budget; throws <see cref="CheckBudgetExceededException"/> when it runs out.</summary>
    public EvaluationResults Evaluate(JsonSchema schema, JsonElement payload, EvaluationOptions options)
    {
        var previous = _deadline;
        _deadline = Stopwatch.GetTimestamp() + (long)(Budget.TotalSeconds * Stopwatch.Frequency);
        try
        {
            return schema.Evaluate(payload, options);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new CheckBudgetExceededException();
        }
        finally
        {
            _deadline = previous;
        }
    }

    private sealed class DeadlineKeyword : IKeywordHandler
    {
        public string Name => Keyword;

        public object? ValidateKeywordValue(JsonElement value) => null;

        public void BuildSubschemas(KeywordData keyword, BuildContext context)
        {
        }

        public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            // Outside a budgeted evaluation (the deadline is 0) nothing is bounded here, e.g. the library's own checks.
            if (_deadline != 0 && Stopwatch.GetTimestamp() > _deadline)
            {
                throw new CheckBudgetExceededException();
            }
            // A schema stored before cycles were refused must not take the process down with a stack overflow.
            RuntimeHelpers.EnsureSufficientExecutionStack();
            return KeywordEvaluation.Ignore;
        }
    }

    private sealed class TimedPatternKeyword(TimeSpan timeout) : PatternKeyword
    {
        public override object? ValidateKeywordValue(JsonElement value) =>
            base.ValidateKeywordValue(value) is Regex regex ? new Regex(regex.ToString(), regex.Options, timeout) : base.ValidateKeywordValue(value);
    }

    private sealed class TimedPatternPropertiesKeyword(TimeSpan timeout) : PatternPropertiesKeyword
    {
        public override object? ValidateKeywordValue(JsonElement value) =>
            base.ValidateKeywordValue(value) is Dictionary<string, Regex> patterns
                ? patterns.ToDictionary(p => p.Key, p => new Regex(p.Value.ToString(), p.Value.Options, timeout))
                : base.ValidateKeywordValue(value);
    }
}
