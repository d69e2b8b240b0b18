using ConnectorHealth.Operations.DeadLetters;

namespace ConnectorHealth.Operations.SystemStatus;

public sealed record DeadLetterList(IReadOnlyList<DeadLetter> Items);

/// <summary>Which dead letters to re-drive: by id (all when absent), optionally from one store only.</summary>
public sealed record RedriveRequest(IReadOnlyList<string>? Ids, string? Store = null);

public sealed record RedriveResult(int Redriven);
