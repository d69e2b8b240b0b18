using System.Net;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>
/// What the gateway answered: the value, or why there is none (a page shows that in place of its section). A refusal
/// keeps its status, whether the service itself said it (a problem document, not a gateway without the route), and its
/// reasons: a validation problem's errors ("schema: …") or a refused replay's violations ("/amount: …").
/// </summary>
public sealed record Answer<T>(T? Value, string? Problem) where T : class
{
    public HttpStatusCode? Status { get; init; }

    public bool FromApi { get; init; }

    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>A validation problem's errors by field (its JSON path, e.g. <c>retry.maxAttempts</c>), for a form to show beside each field.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public static Answer<T> Of(T value) => new(value, null);

    public static Answer<T> Failed(string problem) => new(null, problem);
}

/// <summary>An action's answer that carries no body.</summary>
public sealed record Done
{
    public static readonly Done Value = new();
}

/// <summary>A connector's contract, or none (the contracts route answers 404 for a connector without one).</summary>
public sealed record ContractLookup(Drift.Contract? Contract);
