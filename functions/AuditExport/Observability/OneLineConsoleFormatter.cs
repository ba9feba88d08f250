using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace AuditExport.Observability;

public sealed class OneLineConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Write an exception's stack trace under its line (Logging:Console:FormatterOptions:StackTraces); off by default.</summary>
    public bool StackTraces { get; set; }
}

/// <summary>
/// One line per log event, as the Functions host shows the handler's output:
/// <c>2026-11-23T10:00:00.123Z warn ExportJobRunner: message (TimeoutException: what happened)</c>.
/// An exception adds what happened (the service's error code, or its type, and message), never its stack trace (that goes to Application Insights or
/// OTLP as a structured field, or here when StackTraces is on).
/// </summary>
public sealed class OneLineConsoleFormatter(IOptionsMonitor<OneLineConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "one-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }
        textWriter.Write(Format(DateTimeOffset.UtcNow, logEntry.LogLevel, logEntry.Category, message, logEntry.Exception));
        textWriter.Write('\n');
        if (options.CurrentValue.StackTraces && logEntry.Exception?.StackTrace is { } stack)
        {
            textWriter.Write(stack);
            textWriter.Write('\n');
        }
    }

    public static string Format(DateTimeOffset at, LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{at.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} {Level(level)} {category[(category.LastIndexOf('.') + 1)..]}: {OneLine(message)}";
        return exception is null ? line : $"{line} ({OneLine(Destinations.RetryPolicy.Describe(exception))})";
    }

    private static string OneLine(string text) => text.Contains('\n') || text.Contains('\r')
        ? string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        : text;

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
