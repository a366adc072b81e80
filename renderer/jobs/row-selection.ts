import { createContext } from 'react'

/**
 * True inside the grid's selected row. Only that row's buttons are tab stops, so the grid stays one stop in the
 * tab order. Outside a grid row the value is true.
 */
export const SelectedRowContext = createContext(true)
