// Entry point: Expecto runs every [<Tests>] value in this assembly; failures give a non-zero exit code.
module Vae.Experiments.Tests.Main

open Expecto

[<EntryPoint>]
let main argv = Tests.runTestsInAssemblyWithCLIArgs [] argv
