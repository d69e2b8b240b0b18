namespace ConnectorHealth.Drift.PayloadContracts;

/// <summary>A payload's check ran out of its time budget.</summary>
public sealed class CheckBudgetExceededException() : Exception("The check ran out of its time budget.");
