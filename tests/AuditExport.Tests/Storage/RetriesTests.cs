using AuditExport.Storage;

namespace AuditExport.Tests.Storage;

/// <summary>The retry pipelines count attempts as their callers are told: n attempts are n calls, whatever n is (1 included).</summary>
public sealed class RetriesTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    public async Task A_transient_failure_is_tried_the_given_number_of_times_and_then_surfaces(int maxAttempts, int expectedCalls)
    {
        var calls = 0;
        var retried = new List<int>();
        var pipeline = Retries.Transient(maxAttempts, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), _ => true, (_, attempt, _, _) => retried.Add(attempt));

        await Assert.ThrowsAsync<TimeoutException>(async () => await pipeline.ExecuteAsync<int>(_ => { calls++; throw new TimeoutException(); }));

        Assert.Equal(expectedCalls, calls);
        Assert.Equal(Enumerable.Range(1, expectedCalls - 1), retried);
    }

    [Fact]
    public async Task A_failure_that_is_not_transient_is_not_tried_again_and_a_success_ends_the_retries()
    {
        var calls = 0;
        var pipeline = Retries.Transient(5, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), e => e is TimeoutException, (_, _, _, _) => { });
        await Assert.ThrowsAsync<UnauthorizedAccessException>(async () => await pipeline.ExecuteAsync<int>(_ => { calls++; throw new UnauthorizedAccessException(); }));
        Assert.Equal(1, calls);

        calls = 0;
        var answer = await pipeline.ExecuteAsync(_ => ++calls < 3 ? throw new TimeoutException() : ValueTask.FromResult(calls));
        Assert.Equal(3, answer);
    }

    [Fact]
    public async Task A_write_lost_to_a_concurrent_writer_is_redone_at_most_the_given_number_of_times()
    {
        var calls = 0;
        var pipeline = Retries.OnConcurrentChange(3, e => e is InvalidOperationException, (_, _) => { });
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => { calls++; throw new InvalidOperationException(); }));
        Assert.Equal(3, calls);
    }
}
