namespace Relay.Cli.Editing;

/// <summary>Keys from the terminal, without echo.</summary>
internal sealed class ConsoleKeyReader : IKeyReader
{
    public bool KeyAvailable => Console.KeyAvailable;

    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    /// <summary>
    /// Ctrl+C read as a key (not SIGINT) while a line is edited, so that at the prompt it clears the line; disposed, it is
    /// the signal again, which stops the answer that follows.
    /// </summary>
    internal sealed class ControlCAsInput : IDisposable
    {
        private readonly bool _before;

        public ControlCAsInput()
        {
            _before = Console.TreatControlCAsInput;
            Console.TreatControlCAsInput = true;
        }

        public void Dispose() => Console.TreatControlCAsInput = _before;
    }
}
