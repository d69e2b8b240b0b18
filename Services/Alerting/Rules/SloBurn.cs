using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>
/// Multiwindow, multi-burn-rate alerts on the success-rate objective (Google SRE workbook, "Alerting on SLOs"). The long
/// window shows the budget is really being spent; the short one that it still is, so an alert clears soon after a
/// recovery instead of waiting for the long window to drain. A long window with fewer than
/// <see cref="RuleThresholds.SloMinRuns"/> runs says too little to judge: it never fires.
/// </summary>
public static class SloBurn
{
    public const string PageKey = "page";
    public const string TicketKey = "ticket";

    // 2 % of a 30-day budget in 1 h, 5 % in 6 h, 10 % in 3 days: the workbook's recommended table.
    public const double FastBurn = 14.4;
    public const double SlowBurn = 6;
    public const double TicketBurn = 1;

    /// <summary>How many times faster than the objective allows the error budget is being spent; 0 without runs.</summary>
    public static double Burn(WindowCounts window, double target)
    {
        if (window.Total <= 0)
        {
            return 0;
        }
        var errorRate = (double)window.Failed / window.Total;
        var budget = 1 - target;
        if (budget <= 0)
        {
            return errorRate > 0 ? double.PositiveInfinity : 0;
        }
        // 1 - 0.99 is 0.010000000000000009, which puts 144 failures in 1000 runs at 14.399999999999988: rounded, a
        // burn that is exactly at a threshold reaches it.
        return Math.Round(errorRate / budget, 9);
    }

    public static Finding? Evaluate(string connector, SloWindows windows, RuleThresholds thresholds)
    {
        var target = thresholds.SloTarget;
        var minRuns = thresholds.SloMinRuns;
        bool Burning(WindowCounts longWindow, double longBurn, double shortBurn, double threshold) =>
            longWindow.Total >= minRuns && longBurn >= threshold && shortBurn >= threshold;
        var burn5m = Burn(windows.FiveMinutes, target);
        var burn30m = Burn(windows.ThirtyMinutes, target);
        var burn1h = Burn(windows.OneHour, target);
        var burn6h = Burn(windows.SixHours, target);
        var burn3d = Burn(windows.ThreeDays, target);

        Alarm? alarm =
            Burning(windows.OneHour, burn1h, burn5m, FastBurn) ? new(PageKey, FastBurn, windows.OneHour, burn1h, "1 h", "5 min")
            : Burning(windows.SixHours, burn6h, burn30m, SlowBurn) ? new(PageKey, SlowBurn, windows.SixHours, burn6h, "6 h", "30 min")
            : Burning(windows.ThreeDays, burn3d, burn6h, TicketBurn) ? new(TicketKey, TicketBurn, windows.ThreeDays, burn3d, "3 d", "6 h")
            : null;
        if (alarm is not { } burning)
        {
            return null;
        }

        var paging = burning.Key == PageKey;
        var successRate = 1 - (double)burning.Window.Failed / burning.Window.Total;
        var message = $"Success rate {AlertText.Percent(successRate)} over {burning.LongName} against a {AlertText.Percent(target, "0.###")} objective: "
            + $"error budget burning {AlertText.Number(burning.Burn, "0.#")}× ({burning.Key}: {AlertText.Number(burning.Threshold, "0.#")}× over {burning.LongName} and {burning.ShortName})";
        var action = paging
            ? "Look at the failing runs' errors and traces and check the provider's status now: at this rate the error budget is spent within days."
            : "Plan a fix: failures are steadily using up the error budget. Start with the most frequent error type of the last days.";
        var details = new Dictionary<string, string>
        {
            ["slo_target"] = AlertText.Number(target, "0.#####"),
            ["burn_5m"] = AlertText.Number(burn5m),
            ["burn_30m"] = AlertText.Number(burn30m),
            ["burn_1h"] = AlertText.Number(burn1h),
            ["burn_6h"] = AlertText.Number(burn6h),
            ["burn_3d"] = AlertText.Number(burn3d),
            ["window"] = burning.LongName,
            ["runs"] = burning.Window.Total.ToString(CultureInfo.InvariantCulture),
            ["failed"] = burning.Window.Failed.ToString(CultureInfo.InvariantCulture),
        };
        return new Finding(RuleNames.SloBurn, paging ? Severity.Critical : Severity.Warning, burning.Key, message, action, details);
    }

    private readonly record struct Alarm(string Key, double Threshold, WindowCounts Window, double Burn, string LongName, string ShortName);
}
