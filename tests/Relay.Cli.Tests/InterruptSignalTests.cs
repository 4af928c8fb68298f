namespace Relay.Cli.Tests;

public sealed class InterruptSignalTests
{
    [Fact]
    public void Ctrl_c_during_an_answer_cancels_only_that_answer()
    {
        using var signal = new InterruptSignal(register: false);
        var first = signal.BeginAnswer(TestContext.Current.CancellationToken);
        var token = first.Token;
        signal.Raise();
        Assert.True(token.IsCancellationRequested);
        first.Dispose();

        using var second = signal.BeginAnswer(TestContext.Current.CancellationToken);
        Assert.False(second.Token.IsCancellationRequested);
        Assert.False(signal.ExitRequested.IsCompleted);
    }

    [Fact]
    public void Two_ctrl_c_at_an_idle_prompt_ask_to_exit_and_the_first_shows_a_hint()
    {
        using var signal = new InterruptSignal(register: false);
        var hints = 0;
        signal.IdleInterrupt += () => hints++;
        signal.Raise();
        Assert.Equal(1, hints);
        Assert.False(signal.ExitRequested.IsCompleted);
        signal.Raise();
        Assert.True(signal.ExitRequested.IsCompleted);
    }

    [Fact]
    public void An_answer_resets_the_idle_count()
    {
        using var signal = new InterruptSignal(register: false);
        signal.Raise();
        signal.BeginAnswer(TestContext.Current.CancellationToken).Dispose();
        signal.Raise();
        Assert.False(signal.ExitRequested.IsCompleted);
    }
}
