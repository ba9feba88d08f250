using Polly;
using Polly.Retry;

namespace AuditExport.Storage;

/// <summary>
/// The handler's retries, as Polly pipelines, in one place. Two kinds:
/// <list type="bullet">
/// <item><see cref="Transient"/>: a call that failed for a passing reason (5xx, throttling, a reset) is made again after
/// a capped exponential delay with jitter. The SDK clients retry each request on their own first (Azure.Core's
/// policy; the destination clients once, <c>DestinationTimeouts.Attempts</c>), so n attempts here are up to n times
/// the SDK's tries: the attempts here are counted with that in mind.</item>
/// <item><see cref="OnConcurrentChange"/>: a write lost to a concurrent writer (409, 412) is redone from a fresh read
/// after a few milliseconds of jitter, which spreads writers that contend for the same row.</item>
/// </list>
/// Delays are real time (<see cref="TimeProvider.System"/>), whatever clock the app is given: a test's settable clock
/// moves the app's "now", not its waits.
/// </summary>
public static class Retries
{
    /// <param name="onRetry">Called before each wait: the context, the attempt that failed (from 1), its exception, the delay.</param>
    public static ResiliencePipeline Transient(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Func<Exception, bool> isTransient,
        Action<ResilienceContext, int, Exception, TimeSpan> onRetry) => maxAttempts <= 1 ? ResiliencePipeline.Empty : // Polly's retry needs one retry at least
        new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = maxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = baseDelay,
            MaxDelay = maxDelay,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(isTransient), // a cancelled caller is never retried: Polly checks its token
            OnRetry = args =>
            {
                onRetry(args.Context, args.AttemptNumber + 1, args.Outcome.Exception!, args.RetryDelay);
                return default;
            },
        }).Build();

    public static ResiliencePipeline OnConcurrentChange(int maxAttempts, Func<Exception, bool> isConflict, Action<int, Exception> onRetry) => maxAttempts <= 1 ? ResiliencePipeline.Empty :
        new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = maxAttempts - 1,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(isConflict),
            DelayGenerator = args => new ValueTask<TimeSpan?>(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(args.AttemptNumber + 1, 10)))),
            OnRetry = args =>
            {
                onRetry(args.AttemptNumber + 1, args.Outcome.Exception!);
                return default;
            },
        }).Build();
}
