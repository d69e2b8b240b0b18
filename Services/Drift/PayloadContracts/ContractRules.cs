using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace ConnectorHealth.Drift.PayloadContracts;

/// <summary>
/// A connector's contract compiled once (per connector and contract revision) and checked against payloads with
/// JSON Schema. A violation reads "path: message", the path being the payload's JSON Pointer. Each check has a time
/// budget (<see cref="CheckBudget"/>): a payload whose check runs out of it is flagged, never an error.
/// </summary>
public sealed class ContractRules(TimeSpan budget)
{
    /// <summary>The time budget of one payload's check unless configured (Drift:ContractCheckBudget).</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(1);

    private const int MaxViolations = 20;
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };
    private readonly ConcurrentDictionary<(string Connector, DateTimeOffset Revision), (JsonSchema? Schema, string? Error)> _compiled = new();
    private readonly CheckBudget _budget = CheckBudget.Of(budget);

    // Contracts that ran out of budget lately (Environment.TickCount64 of when). The budget bounds one payload; this
    // bounds a contract: a batch of a hundred payloads that each exhaust it would otherwise hold the runs of every other
    // connector in that batch for a hundred budgets. Within the cool-down its payloads are flagged without being checked.
    private readonly ConcurrentDictionary<(string Connector, DateTimeOffset Revision), long> _exhausted = new();
    private static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(30);

    public ContractRules()
        : this(DefaultBudget)
    {
    }

    /// <summary>Compiles a contract document, or says why it is not a usable JSON Schema.</summary>
    public static bool TryCompile(JsonElement document, out JsonSchema? schema, out string? error) =>
        TryCompile(document, DefaultBudget, out schema, out error);

    /// <summary>Compiles a contract document with the given check budget, or says why it is not a usable JSON Schema.</summary>
    public static bool TryCompile(JsonElement document, TimeSpan budget, out JsonSchema? schema, out string? error)
    {
        schema = null;
        error = null;
        if (document.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            error = "The contract schema must be a JSON Schema object.";
            return false;
        }
        // Before the library sees it: a cycle would overflow the stack, and deep nesting would come close.
        if (ContractGraph.Problem(document) is { } problem)
        {
            error = problem;
            return false;
        }
        var checkBudget = CheckBudget.Of(budget);
        try
        {
            // A registry of its own: contracts are independent documents, and $id values may repeat across connectors.
            var built = JsonSchema.Build(CheckBudget.Instrument(document), new BuildOptions
            {
                SchemaRegistry = new SchemaRegistry(),
                DialectRegistry = checkBudget.Dialects,
                Dialect = checkBudget.Default,
            });
            // Evaluating once against null resolves the top-level references now, so most dangling ones are refused
            // here; one deeper down is met only by payloads that reach it (see Check).
            checkBudget.Evaluate(built, JsonDocument.Parse("null").RootElement, Evaluation);
            schema = built;
            return true;
        }
        catch (CheckBudgetExceededException)
        {
            error = $"The contract schema cannot be checked within {checkBudget.Text} even against null.";
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the library refuses (bad keywords, invalid patterns, reference cycles, unknown dialects) is the
            // user's schema being wrong, never a server error.
            error = $"The contract schema is not valid JSON Schema: {ex.Message}";
            return false;
        }
    }

    /// <summary>The ways a payload breaks the contract (at most 20); empty when it complies.</summary>
    public IReadOnlyList<string> Check(string connector, DateTimeOffset revision, JsonElement contract, JsonElement payload)
    {
        var (schema, error) = _compiled.GetOrAdd((connector, revision), key =>
            TryCompile(contract, _budget.Budget, out var compiled, out var reason) ? (compiled, null) : (null, reason));
        if (_compiled.Count > 10_000)
        {
            _compiled.Clear();
        }
        if (schema is null)
        {
            // Also a contract stored before such schemas were refused (e.g. one that refers to itself): the payload is
            // flagged, the consumer carries on.
            return [$"/: {error}"];
        }
        if (_exhausted.TryGetValue((connector, revision), out var at) && Environment.TickCount64 - at < CoolDown.TotalMilliseconds)
        {
            return [$"/: the payload was not checked: this contract could not check a payload within {_budget.Text} less than {CoolDown.TotalSeconds:0} s ago; it is treated as a violation (replay it once the contract is fixed)"];
        }
        EvaluationResults results;
        try
        {
            results = _budget.Evaluate(schema, payload, Evaluation);
        }
        catch (CheckBudgetExceededException)
        {
            _exhausted[(connector, revision)] = Environment.TickCount64;
            if (_exhausted.Count > 10_000)
            {
                _exhausted.Clear();
            }
            return [$"/: the payload could not be checked within {_budget.Text} (the contract's time budget per payload); it is treated as a violation"];
        }
        catch (InsufficientExecutionStackException)
        {
            return ["/: the payload could not be checked: the contract nests too deeply for it; it is treated as a violation"];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // E.g. a $ref that resolves nowhere, met only by payloads that reach it: the payload is flagged, the
            // consumer carries on.
            return [$"/: the contract could not be evaluated against this payload: {ex.Message}"];
        }
        if (results.IsValid)
        {
            return [];
        }
        var violations = new List<string>();
        foreach (var detail in (results.Details ?? []).Prepend(results))
        {
            if (detail.Errors is not { Count: > 0 } errors)
            {
                continue;
            }
            foreach (var message in errors.Values)
            {
                var location = detail.InstanceLocation.ToString();
                violations.Add($"{(location.Length == 0 ? "/" : location)}: {message}");
                if (violations.Count == MaxViolations)
                {
                    return violations;
                }
            }
        }
        return violations.Count > 0 ? violations : ["/: the payload does not match the contract"];
    }
}
