set pagination off
set confirm off
target remote :1234
break arch_ftrace_update_trampoline
commands
silent
printf "GDB: arch_ftrace_update_trampoline ops=%p trampoline=%#lx func=%p\n", $rdi, ((struct ftrace_ops *)$rdi)->trampoline, ((struct ftrace_ops *)$rdi)->func
if ((struct ftrace_ops *)$rdi)->trampoline != 0
printf "GDB: call slot (trampoline+0xc3) before: "
x/5xb ((struct ftrace_ops *)$rdi)->trampoline + 0xc3
end
continue
end
break smp_text_poke_single if ((unsigned long)$rdi >= 0xffffffffa0000000)
commands
silent
printf "GDB: smp_text_poke_single addr=%p len=%lu new bytes: ", $rdi, $rdx
x/5xb $rsi
bt 3
continue
end
break addr_from_call
commands
silent
printf "GDB: addr_from_call reads %p: ", $rdi
x/5xb $rdi
continue
end
continue
