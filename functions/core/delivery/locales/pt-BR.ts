/**
 * Português do Brasil: every word the service sends. Placeholders, filled in
 * by `../messages.ts`: {code} the one-time code; {minutes} its lifetime as
 * digits (SMS); {duration} the same in words, "5 minutos" (e-mail).
 *
 * E-mails are written with full accents. SMS texts deliberately are not,
 * where the GSM 7-bit alphabet lacks the letter (it has é, but not ó, ã, ç or
 * ê): "codigo", "nao". One accented letter outside that alphabet turns the
 * whole SMS into UCS-2, which cuts one SMS from 160 characters to 70 and would
 * leave no room for the "never share" warning; and unaccented SMS is what
 * Brazilian users already get from their banks, so it reads as normal, not as
 * a typo. test/core/sms.one-segment.test.ts fails if an SMS here leaves GSM-7
 * or one SMS.
 */
import type { Catalog } from "../messages";

export const ptBR: Catalog = {
  duration: { one: "{n} minuto", other: "{n} minutos" },
  signature: "— Equipe Innovation.ia",
  messages: {
    sign_in_code: {
      email: {
        subject: "Seu código de acesso ao Innovation.ia",
        text: `Seu código de acesso ao Innovation.ia é {code}. Ele expira em {duration}.

Nunca compartilhe este código com ninguém, nem com quem disser que trabalha no Innovation.ia.

Se você não tentou entrar na sua conta, alguém pode saber a sua senha: altere-a agora.`,
      },
      sms: "Seu codigo de acesso ao Innovation.ia é {code}. Vale por {minutes} min. Nunca compartilhe este codigo.",
    },

    reset_code: {
      email: {
        subject: "Seu código para redefinir a senha do Innovation.ia",
        text: `Use o código {code} para redefinir a senha da sua conta Innovation.ia. Ele expira em {duration}.

Nunca compartilhe este código com ninguém, nem com quem disser que trabalha no Innovation.ia.

Se você não pediu para redefinir a senha, pode ignorar este e-mail: a sua senha continua a mesma.`,
      },
    },

    phone_check: {
      sms: "Seu codigo Innovation.ia para confirmar este celular é {code}. Vale por {minutes} min. Se nao pediu, ignore esta mensagem.",
    },

    password_reset: {
      email: {
        subject: "A senha da sua conta Innovation.ia foi redefinida",
        text: `A senha da sua conta Innovation.ia acabou de ser redefinida com um código enviado a você.

Se foi você, não é preciso fazer mais nada.

Se não foi você, alguém pode ter acesso ao seu e-mail. Proteja primeiro a sua conta de e-mail (troque a senha dela), depois redefina a senha do Innovation.ia pela tela de login e revise os seus métodos de verificação em duas etapas.`,
      },
    },

    password_changed: {
      email: {
        subject: "A senha da sua conta Innovation.ia foi alterada",
        text: `A senha da sua conta Innovation.ia acabou de ser alterada.

Se foi você, não é preciso fazer mais nada.

Se não foi você, alguém pode ter acesso à sua conta. Redefina a sua senha agora mesmo pela tela de login e revise os seus métodos de verificação em duas etapas.`,
      },
    },

    factor_enrolled: {
      email: {
        subject: "Um método de verificação em duas etapas foi adicionado à sua conta Innovation.ia",
        text: `Um novo método de verificação em duas etapas acabou de ser adicionado à sua conta Innovation.ia.

Se foi você, não é preciso fazer mais nada.

Se não foi você, alguém pode ter acesso à sua conta. Redefina a sua senha agora mesmo pela tela de login e remova o método que você não reconhece.`,
      },
    },

    factor_removed: {
      email: {
        subject: "Um método de verificação em duas etapas foi removido da sua conta Innovation.ia",
        text: `Um método de verificação em duas etapas acabou de ser removido da sua conta Innovation.ia.

Se foi você, não é preciso fazer mais nada.

Se não foi você, alguém pode ter acesso à sua conta. Redefina a sua senha agora mesmo pela tela de login e configure de novo a verificação em duas etapas.`,
      },
    },

    recovery_code_used: {
      email: {
        subject: "Um código de recuperação foi usado na sua conta Innovation.ia",
        text: `Um dos seus códigos de recuperação do Innovation.ia acabou de ser usado para entrar na sua conta. Esse código não pode ser usado de novo.

Se foi você, guarde os códigos restantes em um lugar seguro; se restarem poucos, gere novos nas configurações da conta.

Se não foi você, alguém tem a sua senha e um dos seus códigos de recuperação. Redefina a sua senha agora mesmo pela tela de login e depois gere novos códigos de recuperação: isso invalida todos os antigos.`,
      },
    },

    recovery_codes_regenerated: {
      email: {
        subject: "Novos códigos de recuperação para a sua conta Innovation.ia",
        text: `Novos códigos de recuperação acabaram de ser gerados para a sua conta Innovation.ia. Os códigos antigos não funcionam mais.

Se foi você, guarde os novos códigos em um lugar seguro.

Se não foi você, alguém pode ter acesso à sua conta. Redefina a sua senha agora mesmo pela tela de login e depois gere novos códigos de recuperação mais uma vez.`,
      },
    },

    phone_changed: {
      email: {
        subject: "O celular da sua conta Innovation.ia foi alterado",
        text: `O número de celular da sua conta Innovation.ia acabou de ser alterado. Os códigos por SMS agora vão para o novo número.

Se foi você, não é preciso fazer mais nada.

Se não foi você, alguém pode ter acesso à sua conta. Redefina a sua senha agora mesmo pela tela de login e depois cadastre de novo o seu número.`,
      },
    },
  },
};
