using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace ConnectorHealth.Drift.DataContracts;

/// <summary>
/// A connector's contract compiled once (per connector and contract revision) and checked against payloads with
/// JSON Schema. A violation reads "path: message", the path being the payload's JSON Pointer.
/// </summary>
public sealed class ContractRules
{
    private const int MaxViolations = 20;
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };
    private readonly ConcurrentDictionary<(string Connector, DateTimeOffset Revision), (JsonSchema? Schema, string? Error)> _compiled = new();

    /// <summary>Compiles a contract document, or says why it is not a usable JSON Schema.</summary>
    public static bool TryCompile(JsonElement document, out JsonSchema? schema, out string? error)
    {
        schema = null;
        error = null;
        if (document.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            error = "The contract schema must be a JSON Schema object.";
            return false;
        }
        try
        {
            // A registry of its own: contracts are independent documents, and $id values may repeat across connectors.
            var built = JsonSchema.Build(document, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            // Evaluating once against null resolves the top-level references now, so most dangling ones are refused
            // here; one deeper down is met only by payloads that reach it (see Check).
            built.Evaluate(JsonDocument.Parse("null").RootElement, Evaluation);
            schema = built;
            return true;
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
            TryCompile(contract, out var compiled, out var reason) ? (compiled, null) : (null, reason));
        if (_compiled.Count > 10_000)
        {
            _compiled.Clear();
        }
        if (schema is null)
        {
            return [$"/: {error}"];
        }
        EvaluationResults results;
        try
        {
            results = schema.Evaluate(payload, Evaluation);
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
