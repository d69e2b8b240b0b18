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
    private readonly ConcurrentDictionary<(string Connector, DateTimeOffset Revision), JsonSchema> _compiled = new();

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
            schema = JsonSchema.Build(document, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            // Evaluating once against null resolves references now, so a dangling $ref is refused here.
            schema.Evaluate(JsonDocument.Parse("null").RootElement, Evaluation);
            return true;
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or InvalidOperationException
            or ArgumentException or FormatException or RefResolutionException or NotSupportedException)
        {
            error = $"The contract schema is not valid JSON Schema: {ex.Message}";
            return false;
        }
    }

    /// <summary>The ways a payload breaks the contract (at most 20); empty when it complies.</summary>
    public IReadOnlyList<string> Check(string connector, DateTimeOffset revision, JsonElement contract, JsonElement payload)
    {
        var schema = _compiled.GetOrAdd((connector, revision), key =>
            TryCompile(contract, out var compiled, out _) ? compiled! : JsonSchema.Build(JsonDocument.Parse("true").RootElement));
        if (_compiled.Count > 10_000)
        {
            _compiled.Clear();
        }
        var results = schema.Evaluate(payload, Evaluation);
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
