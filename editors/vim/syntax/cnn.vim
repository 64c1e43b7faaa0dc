" Vim syntax file for cnnc model files (.cnn).
" Language: cnn (cnnc, a compiler for convolutional networks)
" The keyword and layer lists match grammar/tokens.ts and compiler/layers/registry.ts;
" test/lsp/vim-syntax.test.ts fails when they drift apart.

if exists('b:current_syntax')
  finish
endif

syn keyword cnnDeclaration model block const train import let input output
syn keyword cnnControl repeat for in if else residual shortcut concat branch dense
syn keyword cnnOperatorWord and or not
syn keyword cnnBoolean true false
syn keyword cnnLayer conv conv1d conv3d convtranspose depthwise separable avgpool lppool maxpool
syn keyword cnnLayer flatten linear fc batchnorm dropout lrn normalize elu gelu hardswish
syn keyword cnnLayer identity leaky_relu relu relu6 sigmoid silu softmax tanh add pad groupnorm
syn keyword cnnLayer upsample
syn keyword cnnConstant same valid full global zeros reflect replicate circular

syn match cnnNumber '\<\d\+\(\.\d\+\)\=\([eE][-+]\=\d\+\)\=\>'
syn match cnnNamedArgument '\<\h\w*\ze\s*=[^=]'
syn match cnnBlockCall '\<\u\w*\ze\s*('
syn match cnnArrow '->'
syn region cnnString start=+"+ skip=+\\.+ end=+"+ oneline
syn keyword cnnTodo contained TODO FIXME XXX NOTE
syn match cnnComment '//.*$' contains=cnnTodo,@Spell
syn region cnnComment start='/\*' end='\*/' contains=cnnTodo,@Spell

hi def link cnnDeclaration Statement
hi def link cnnControl Conditional
hi def link cnnOperatorWord Operator
hi def link cnnBoolean Boolean
hi def link cnnLayer Function
hi def link cnnConstant Constant
hi def link cnnNumber Number
hi def link cnnNamedArgument Identifier
hi def link cnnBlockCall Type
hi def link cnnArrow Operator
hi def link cnnString String
hi def link cnnTodo Todo
hi def link cnnComment Comment

let b:current_syntax = 'cnn'
