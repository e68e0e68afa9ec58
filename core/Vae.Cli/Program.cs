// The `vae` command: parses arguments into option records and calls the core. No maths here.
using Vae.Core.Numerics;

return Cli.Run(args);

static class Cli
{
    public static int Run(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "help";
        switch (verb)
        {
            case "describe":
                Console.WriteLine(new ManagedBlas().Describe());
                return 0;
            case "data":
                return DataCommand.Run(args[1..]);
            default:
                Console.WriteLine("usage: vae describe | vae data ...");
                return verb == "help" ? 0 : 2;
        }
    }
}
